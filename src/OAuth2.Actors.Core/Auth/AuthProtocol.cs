namespace OAuth2.Actors.Auth;

// The host's requests to its own node's AuthActor and the replies (LocalAsk) never leave the node: no serialization check.

/// <summary>A request the host sends the <see cref="AuthActor"/>: with the HTTP request's context (correlation and trace).</summary>
public interface IEndpointRequest
{
    RequestContext Context { get; }
}

/// <summary>A request to <c>/oauth/token</c>: what the Authorization header presented and the form as received.</summary>
public sealed record TokenEndpointRequest(PresentedAuthorization Authorization, OAuthParameters Form, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"TokenEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>A request to <c>/oauth/introspect</c> (RFC 7662).</summary>
public sealed record IntrospectionEndpointRequest(PresentedAuthorization Authorization, OAuthParameters Form, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"IntrospectionEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>A request to <c>/oauth/revoke</c> (RFC 7009).</summary>
public sealed record RevocationEndpointRequest(PresentedAuthorization Authorization, OAuthParameters Form, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"RevocationEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>A request to <c>/clients/register</c> (RFC 7591).</summary>
public sealed record RegistrationEndpointRequest(PresentedAuthorization Authorization, ClientMetadata Metadata, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"RegistrationEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>Check a Bearer access token for one of the given scopes (for the server's own protected endpoints).</summary>
public sealed record AuthorizeBearer(PresentedAuthorization Authorization, IReadOnlyList<string> AnyOfScopes, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"AuthorizeBearer {{ Scopes = {string.Join(" ", AnyOfScopes)} }}";
}

/// <summary>The bearer token was valid and carried a required scope.</summary>
public sealed record BearerAuthorized(ActiveToken Token) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>
/// The signed-in user, as the host's cookie session knows them: with the user's session epoch at sign-in, which a
/// sign-out moves on (<see cref="Users.EndSessions"/>).
/// </summary>
public sealed record SessionUser(string UserId, string Username, int SessionEpoch = 0);

/// <summary>Is this browser session still valid (the account exists and nobody signed it out since)?</summary>
public sealed record SessionCheckRequest(SessionUser User, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest;

public sealed record SessionValid(bool Valid) : OAuthReply, INoSerializationVerificationNeeded
{
    /// <summary>The user's roles now (a valid session only): what the admin console checks on every request.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
}

/// <summary>What the user answered on the consent page.</summary>
public enum ConsentDecision
{
    Allow,
    Deny,

    /// <summary>The page posted back something that is neither.</summary>
    Unrecognised,
}

/// <summary>
/// <c>/oauth/authorize</c> (RFC 6749 4.1.1). <paramref name="Decision"/> is null for the GET, or the consent page's
/// answer when it posts back the same parameters.
/// </summary>
public sealed record AuthorizeEndpointRequest(OAuthParameters Parameters, SessionUser? User, ConsentDecision? Decision, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest;

/// <summary>Errors about the client or redirect URI: shown to the user, never redirected (RFC 6749 4.1.2.1).</summary>
public sealed record AuthorizeErrorPage(string Error, string Description) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>Send the browser to the client: with a code (<paramref name="CodeIssued"/>), or with an error (RFC 6749 4.1.2, 4.1.2.1; iss per RFC 9207).</summary>
public sealed record AuthorizeRedirect(string Location, bool CodeIssued = false) : OAuthReply, INoSerializationVerificationNeeded
{
    public override string ToString() => "AuthorizeRedirect";
}

public sealed record AuthorizeLoginRequired : OAuthReply, INoSerializationVerificationNeeded
{
    public static readonly AuthorizeLoginRequired Instance = new();
}

/// <summary>The consent page: who asks, for what, and where the browser will be sent with the answer.</summary>
public sealed record AuthorizeConsentRequired(string ClientId, string ClientName, IReadOnlyList<string> Scopes, string RedirectUri) : OAuthReply, INoSerializationVerificationNeeded;

public sealed record LoginRequest(string Username, string Password, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"LoginRequest {{ Username = {Username} }}";
}

public sealed record LoginSucceeded(SessionUser User) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>One message for every failure (unknown user, wrong password, locked out).</summary>
public sealed record LoginFailed(string Message) : OAuthReply, INoSerializationVerificationNeeded;

public sealed record LogoutRequest(SessionUser User, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest;

public sealed record LoggedOut : OAuthReply, INoSerializationVerificationNeeded
{
    public static readonly LoggedOut Instance = new();
}

public sealed record SignUpRequest(string Username, string Password, string? Email, RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"SignUpRequest {{ Username = {Username} }}";
}

// ---- admin API (ProblemDetails, not OAuth errors) ----------------------------------------------------------

/// <summary>
/// A request of the admin user API or of the admin console's users page: the API's caller presents a bearer token with
/// scope <c>admin</c> (<see cref="Authorization"/>); the console's is its browser session (<see cref="ConsoleUser"/>),
/// admitted while the session is current and its user holds the admin role.
/// </summary>
public interface IUserAdminRequest : IEndpointRequest
{
    PresentedAuthorization Authorization { get; }

    /// <summary>The admin console's signed-in user; null for the API (a bearer token).</summary>
    SessionUser? ConsoleUser { get; }
}

public sealed record AdminCreateUser(PresentedAuthorization Authorization, string? Username, string? Password, string? Email, RequestContext Context) : INoSerializationVerificationNeeded, IUserAdminRequest
{
    /// <summary>The roles to give (none when absent).</summary>
    public IReadOnlyList<string?>? Roles { get; init; }

    public SessionUser? ConsoleUser { get; init; }

    public override string ToString() => $"AdminCreateUser {{ Username = {Username} }}";
}

public sealed record AdminListUsers(PresentedAuthorization Authorization, RequestContext Context) : INoSerializationVerificationNeeded, IUserAdminRequest
{
    public SessionUser? ConsoleUser { get; init; }

    /// <summary>Also each listed user's sign-in back-off (asked of each user's entity: for the console's list, not the API's).</summary>
    public bool WithSignInBackoff { get; init; }

    /// <summary>Keep the users whose username, user_id or email contains this (ignoring case).</summary>
    public string? Query { get; init; }

    /// <summary>A page in username order: the users after this username (exclusive), at most <see cref="Limit"/>; null: every user.</summary>
    public string? After { get; init; }

    public int? Limit { get; init; }
}

/// <summary><paramref name="Username"/> is the path's user: a user_id, or a username (the alias).</summary>
public sealed record AdminGetUser(PresentedAuthorization Authorization, string Username, RequestContext Context) : INoSerializationVerificationNeeded, IUserAdminRequest
{
    public SessionUser? ConsoleUser { get; init; }
}

/// <summary><paramref name="Username"/> is the path's user: a user_id, or a username (the alias).</summary>
public sealed record AdminDeleteUser(PresentedAuthorization Authorization, string Username, RequestContext Context) : INoSerializationVerificationNeeded, IUserAdminRequest
{
    public SessionUser? ConsoleUser { get; init; }
}

/// <summary>
/// PATCH of a user (<paramref name="User"/> a user_id or a username): the fields given are changed, and only
/// <c>roles</c> can be; <paramref name="Problem"/> is set when the body asked for anything else.
/// </summary>
public sealed record AdminUpdateUser(PresentedAuthorization Authorization, string User, IReadOnlyList<string?>? Roles, string? Problem, RequestContext Context) : INoSerializationVerificationNeeded, IUserAdminRequest
{
    public SessionUser? ConsoleUser { get; init; }
}

/// <summary>Resets the sign-in back-off of the path's user (<paramref name="User"/> a user_id or a username).</summary>
public sealed record AdminUnlockUser(PresentedAuthorization Authorization, string User, RequestContext Context) : INoSerializationVerificationNeeded, IUserAdminRequest
{
    public SessionUser? ConsoleUser { get; init; }
}

public sealed record UserAccount(Users.UserView User) : OAuthReply, INoSerializationVerificationNeeded;

public sealed record UserAccounts(IReadOnlyList<Users.UserView> Users) : OAuthReply, INoSerializationVerificationNeeded
{
    /// <summary>Each user's sign-in back-off by user_id, when asked for (<see cref="AdminListUsers.WithSignInBackoff"/>).</summary>
    public IReadOnlyDictionary<string, Users.CurrentSignInBackoff>? SignInBackoff { get; init; }

    /// <summary>How many users match the query in all.</summary>
    public int Matching { get; init; }

    /// <summary>The After of the next page; null on the last (or when not paged).</summary>
    public string? NextAfter { get; init; }
}

public sealed record UserAccountDeleted(string Username) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>The user's sign-in back-off was reset; <paramref name="FailuresCleared"/> failures in a row were forgotten.</summary>
public sealed record UserAccountUnlocked(Users.UserView User, int FailuresCleared) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>A failure of a non-OAuth endpoint, rendered as ProblemDetails.</summary>
public sealed record AdminFailure(FailureKind Kind, string Title, string Detail) : OAuthReply;

// ---- RFC 7592 ----------------------------------------------------------------------------------------------

public enum ClientManagementOperation
{
    Read,
    Update,
    Delete,
}

public sealed record ClientManagementRequest(
    PresentedAuthorization Authorization,
    string ClientId,
    ClientManagementOperation Operation,
    ClientMetadata? Metadata,
    string? BodyClientId,
    string? BodyClientSecret,
    RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest
{
    public override string ToString() => $"ClientManagementRequest {{ ClientId = {ClientId}, Operation = {Operation} }}";
}
