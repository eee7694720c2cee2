using OAuth2.Actors.Hosting;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.Shared;

/// <summary>
/// A password sign-in (the sign-in page, the password grant): asks the user's entity, unless this node recently heard
/// the username does not exist; then the same hash runs here (so the answer takes as long) and the same event is
/// published, without starting an entity that would read the journal only to find nothing.
/// </summary>
public static class UserSignIn
{
    public static async Task<object> Authenticate(AuthServices services, string username, string password, string method, string? clientId, RequestContext request)
    {
        var deadline = services.Deadline();
        var command = new AuthenticateUser(username, password, method, clientId, request, deadline);
        var key = Usernames.Normalize(username);
        var unknownIds = services.UnknownIds;
        if (unknownIds.IsUnknown(UnknownIdKind.User, key) && services.PasswordHashing is { } hashing)
        {
            if (!await hashing.VerifyNobody(password, deadline))
            {
                return OAuthError.TimedOut;
            }

            SignInFailure.Publish(services.Events, command, SignInFailure.UnknownUser, null);
            return new UserAuthenticationRejected(SignInFailure.UnknownUser);
        }

        var generation = unknownIds.Generation;
        var reply = await services.Ask<object>(services.Users, command);
        if (reply is UserAuthenticationRejected { Reason: SignInFailure.UnknownUser })
        {
            unknownIds.Remember(UnknownIdKind.User, key, generation);
        }

        return reply;
    }
}
