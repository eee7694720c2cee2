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

        return u.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@')
            ? null
            : "username may contain letters, digits and . _ - @ only.";
    }

    public static string? PasswordProblem(string? password) => password switch
    {
        null or "" => "password is required.",
        { Length: < 8 } => "password must be at least 8 characters.",
        { Length: > 256 } => "password must be at most 256 characters.",
        _ => null,
    };
}

/// <summary>Creates the account (a password hash: dropped, unanswered, once <paramref name="Deadline"/> has passed).</summary>
public sealed record CreateUser(string Username, string Password, string? Email, RequestContext Context, DateTimeOffset? Deadline = null) : IUserCommand
{
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

/// <summary>What the rest of the system may know of a user: never the hash.</summary>
public sealed record UserView(string UserId, string Username, string? Email, DateTimeOffset CreatedAt);

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

// ---- journal ------------------------------------------------------------------------------------------------

public sealed record UserRecord(string UserId, string Username, string? Email, string PasswordHash, DateTimeOffset CreatedAt);

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

// ---- directory (one entity listing every user) ---------------------------------------------------------------

public interface IUserDirectoryCommand;

public sealed record ListUser(UserView User) : IUserDirectoryCommand;

public sealed record UnlistUser(string Username) : IUserDirectoryCommand;

public sealed record GetUsers : IUserDirectoryCommand
{
    public static readonly GetUsers Instance = new();
}

public sealed record CurrentUsers(IReadOnlyList<UserView> Users);

public sealed record UserListed(UserView User);

public sealed record UserUnlisted(string Username);
