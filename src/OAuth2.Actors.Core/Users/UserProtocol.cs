namespace OAuth2.Actors.Users;

/// <summary>Commands and queries addressed to one user entity (by normalized username) through the <c>users</c> shard region.</summary>
public interface IUserCommand
{
    string Username { get; }
}

public static class Usernames
{
    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    /// <summary>Null when acceptable; otherwise why not.</summary>
    public static string? Problem(string? username)
    {
        if (string.IsNullOrWhiteSpace(username))
        {
            return "username is required.";
        }

        var u = username.Trim();
        if (u.Length is < 3 or > 64)
        {
            return "username must be 3 to 64 characters.";
        }

        if (!u.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
        {
            return "username may contain letters, digits and . _ - @ only.";
        }

        // A user's journal is "user-" and the normalized username: this one would be the user directory's own.
        return Normalize(u) == ReservedForTheDirectory ? $"the username '{ReservedForTheDirectory}' is reserved." : null;
    }

    /// <summary>The username whose journal name would be <see cref="UserDirectoryActor"/>'s (<c>user-directory</c>).</summary>
    public const string ReservedForTheDirectory = "directory";

    public static string? PasswordProblem(string? password) => password switch
    {
        null or "" => "password is required.",
        { Length: < 8 } => "password must be at least 8 characters.",
        { Length: > 256 } => "password must be at most 256 characters.",
        _ => null,
    };
}

/// <summary>
/// A user's roles: short names in the syntax of a scope token (RFC 6749 3.3), so that a role can be named after the
/// reserved scope it lets the user have (<see cref="Auth.Shared.ScopePolicy.ForUser"/>).
/// </summary>
public static class UserRoles
{
    public const int MaxRoles = 32;
    public const int MaxLength = 64;

    /// <summary>The roles as stored (distinct, ordinal order), or why they are not acceptable.</summary>
    public static string[]? Normalize(IEnumerable<string?>? roles, out string? problem)
    {
        problem = null;
        var list = (roles ?? []).ToList();
        if (list.Count > MaxRoles)
        {
            problem = $"roles may list at most {MaxRoles} roles.";
            return null;
        }

        foreach (var role in list)
        {
            if (string.IsNullOrEmpty(role) || role.Length > MaxLength || !ScopeSyntax.TryParse(role, out var parts) || parts.Length != 1 || parts[0] != role)
            {
                problem = $"each role must be 1 to {MaxLength} characters of a scope token (no spaces, quotes or backslashes).";
                return null;
            }
        }

        return list.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()!;
    }
}

/// <summary>Creates the account (a password hash: dropped, unanswered, once <paramref name="Deadline"/> has passed).</summary>
public sealed record CreateUser(string Username, string Password, string? Email, RequestContext Context, DateTimeOffset? Deadline = null) : IUserCommand
{
    /// <summary>Only the admin API gives roles; a user signing up gets none.</summary>
    public string[] Roles { get; init; } = [];

    public override string ToString() => $"CreateUser {{ Username = {Username} }}";
}

/// <summary>Checks a password (a hash: dropped, unanswered, once <paramref name="Deadline"/>, the asker's timeout, has passed).</summary>
public sealed record AuthenticateUser(string Username, string Password, string Method, string? ClientId, RequestContext Context, DateTimeOffset? Deadline = null) : IUserCommand
{
    public override string ToString() => $"AuthenticateUser {{ Username = {Username}, Method = {Method} }}";
}

public sealed record GetUser(string Username) : IUserCommand;

public sealed record DeleteUser(string Username, RequestContext Context) : IUserCommand;

public sealed record CheckConsent(string Username, string ClientId, IReadOnlyList<string> Scopes) : IUserCommand;

public sealed record GrantConsent(string Username, string ClientId, IReadOnlyList<string> Scopes) : IUserCommand;

/// <summary>Replaces the roles of the user <paramref name="UserId"/> (not of another account since created under the same name).</summary>
public sealed record SetUserRoles(string Username, string UserId, string[] Roles, RequestContext Context) : IUserCommand;

/// <summary>
/// Browser sessions: a session carries the user's session epoch of its sign-in; <see cref="EndSessions"/> moves the
/// epoch on, which ends every session signed in before, on every node (the entity is the one place that knows it).
/// </summary>
public sealed record StartSession(string Username, string UserId) : IUserCommand;

public sealed record CheckSession(string Username, string UserId, int Epoch) : IUserCommand;

public sealed record EndSessions(string Username, string UserId, RequestContext Context) : IUserCommand;

/// <summary>
/// Resets the sign-in back-off of the user <paramref name="UserId"/> (an admin's unlock): the count of wrong passwords
/// in a row goes back to zero, so the next sign-in is tried at once. Answered with <see cref="UserUnlocked"/>, or
/// <see cref="UserRejected"/> when there is no such user.
/// </summary>
public sealed record UnlockUser(string Username, string UserId, RequestContext Context) : IUserCommand;

/// <summary>The user's sign-in back-off as it is now, answered with <see cref="CurrentSignInBackoff"/>.</summary>
public sealed record GetSignInBackoff(string Username) : IUserCommand;

/// <summary>What the rest of the system may know of a user: never the hash.</summary>
public sealed record UserView(string UserId, string Username, string? Email, DateTimeOffset CreatedAt)
{
    public string[] Roles { get; init; } = [];
}

public sealed record UserCreated(UserView User);

public sealed record UserRejected(UserRejection Reason, string Description);

public sealed record UserAuthenticated(UserView User);

/// <summary>Why a sign-in failed: the <c>reason</c> of user_authentication_failed events. People see one message for all.</summary>
public static class SignInFailure
{
    public const string UnknownUser = "unknown_user";
    public const string BadPassword = "bad_password";

    /// <summary>The username had too many wrong passwords in a row and its next attempt came before its wait was over.</summary>
    public const string BackingOff = "backing_off";

    public static void Publish(Events.EventPublisher events, AuthenticateUser command, string reason, string? userId) =>
        events.Publish(Events.EventType.UserAuthenticationFailed, command.Context, command.ClientId, userId, new Dictionary<string, string>
        {
            ["method"] = command.Method,
            ["reason"] = reason,
            ["username"] = command.Username.Trim(),
        }, Events.EventSeverity.Warning, "authentication_failed");
}

/// <summary>Reason is for events and logs only; people see one message for every failure.</summary>
public sealed record UserAuthenticationRejected(string Reason);

public sealed record CurrentUser(UserView? User);

public sealed record UserDeleted(string Username, string? UserId);

public sealed record ConsentStatus(bool Granted);

public sealed record ConsentRecorded;

public sealed record UserRolesSet(UserView User);

/// <summary>The session epoch a new session carries; null when there is no such user.</summary>
public sealed record SessionStarted(int? Epoch);

/// <summary>Whether the session is current, and (when it is) the user's roles as they are now.</summary>
public sealed record SessionStatus(bool Active, IReadOnlyList<string>? Roles = null);

public sealed record SessionsEnded(bool Ended);

/// <summary>The back-off was reset; <paramref name="FailuresCleared"/> wrong passwords in a row were forgotten (0: there was nothing to reset).</summary>
public sealed record UserUnlocked(UserView User, int FailuresCleared);

/// <summary>
/// A user's sign-in back-off: <paramref name="Failures"/> wrong passwords in a row, and while the next sign-in must wait,
/// until when (<paramref name="WaitsUntil"/>, null when it may be tried now). <paramref name="UserId"/> is null when
/// there is no such user. Kept by the user's entity only: it changes with every sign-in, so the directory does not list it.
/// </summary>
public sealed record CurrentSignInBackoff(string? UserId, int Failures, DateTimeOffset? WaitsUntil);

// ---- journal ------------------------------------------------------------------------------------------------

public sealed record UserRecord(string UserId, string Username, string? Email, string PasswordHash, DateTimeOffset CreatedAt)
{
    /// <summary>Absent from events written before roles existed: no roles.</summary>
    public string[] Roles { get; init; } = [];

    /// <summary>Never the password hash (a log line or a dead letter is no place for it).</summary>
    public override string ToString() => $"UserRecord {{ UserId = {UserId}, Username = {Username}, Roles = [{string.Join(", ", Roles)}] }}";
}

public sealed record UserRegistered(UserRecord User);

public sealed record UserLoginFailed(DateTimeOffset At);

public sealed record UserLoginSucceeded(DateTimeOffset At);

/// <summary>Written by versions that locked accounts after failures; read and ignored since back-off replaced the lock.</summary>
public sealed record UserLockedOut(DateTimeOffset Until);

/// <summary>The password hash recomputed at the current cost after a sign-in with an older one.</summary>
public sealed record UserPasswordRehashed(string PasswordHash)
{
    public override string ToString() => "UserPasswordRehashed { }";
}

public sealed record UserConsentGranted(string ClientId, string[] Scopes);

public sealed record UserRemoved(DateTimeOffset At);

public sealed record UserRolesChanged(string[] Roles, DateTimeOffset At);

/// <summary>An admin reset the sign-in back-off: the wrong passwords in a row before it no longer count.</summary>
public sealed record UserSignInBackoffReset(DateTimeOffset At);

/// <summary>Every session signed in before is over; the epoch only ever grows (also across deletion and re-creation).</summary>
public sealed record UserSessionsEnded(int Epoch, DateTimeOffset At);

// ---- directory (one entity listing every user) ---------------------------------------------------------------

public interface IUserDirectoryCommand;

public sealed record ListUser(UserView User) : IUserDirectoryCommand;

public sealed record UnlistUser(string Username) : IUserDirectoryCommand;

public sealed record GetUsers : IUserDirectoryCommand
{
    public static readonly GetUsers Instance = new();
}

/// <summary>The user with this user_id, answered with <see cref="CurrentUser"/>.</summary>
public sealed record FindUserById(string UserId) : IUserDirectoryCommand;

/// <summary>The directory's answer to <see cref="ListUser"/> and <see cref="UnlistUser"/>: written.</summary>
public sealed record UserListingUpdated
{
    public static readonly UserListingUpdated Instance = new();
}

public sealed record CurrentUsers(IReadOnlyList<UserView> Users);

public sealed record UserListed(UserView User);

public sealed record UserUnlisted(string Username);
