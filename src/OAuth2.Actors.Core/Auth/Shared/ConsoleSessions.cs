using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.Shared;

/// <summary>
/// The admin console's caller: a browser session rather than a bearer token. The pipelines that serve both the admin
/// APIs and the console admit a session whose user holds the <see cref="AdminRole"/> now, as the user's entity says
/// (a role taken away, a sign-out everywhere or a deleted account ends the session's admin rights at once).
/// </summary>
public static class ConsoleSessions
{
    /// <summary>The role that opens the admin console.</summary>
    public const string AdminRole = "admin";

    /// <summary>True when the session is current and its user holds the admin role.</summary>
    public static async Task<bool> IsAdmin(AuthServices services, SessionUser user)
    {
        if (Usernames.Problem(user.Username) is not null)
        {
            return false;
        }

        var status = await services.Ask<SessionStatus>(services.Users, new CheckSession(user.Username, user.UserId, user.SessionEpoch));
        return status.Active && status.Roles?.Contains(AdminRole, StringComparer.Ordinal) == true;
    }
}
