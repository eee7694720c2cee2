namespace OAuth2.Actors.Protocol;

/// <summary>What every request carries along for logs and, later, events: the correlation and the W3C trace context.</summary>
public sealed record RequestContext(string CorrelationId, string? TraceParent = null, string? TraceState = null, string? RemoteAddress = null, string Source = "http")
{
    public static RequestContext Internal(string correlationId) => new(correlationId, Source: "internal");
}

/// <summary>
/// Request parameters exactly as received (form fields, possibly repeated), so the actors, not the host,
/// decide what a repeated or missing parameter means (RFC 6749 3.1: parameters MUST NOT repeat).
/// </summary>
public sealed record OAuthParameters(IReadOnlyList<KeyValuePair<string, string>> Values)
{
    public static readonly OAuthParameters Empty = new(Array.Empty<KeyValuePair<string, string>>());

    public static OAuthParameters Of(params (string Key, string Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)).ToArray());

    /// <summary>The first parameter that appears more than once, if any (<c>resource</c> may repeat, RFC 8707 2).</summary>
    public string? FirstRepeated()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in Values)
        {
            if (!seen.Add(key) && !string.Equals(key, Parameters.Resource, StringComparison.Ordinal))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>The value, or null when absent or empty (RFC 6749 3.1: empty parameters are treated as omitted).</summary>
    public string? Get(string key)
    {
        foreach (var (k, v) in Values)
        {
            if (string.Equals(k, key, StringComparison.Ordinal))
            {
                return string.IsNullOrEmpty(v) ? null : v;
            }
        }

        return null;
    }

    /// <summary>Every value of a parameter that may repeat, in order; empty values are treated as omitted.</summary>
    public IReadOnlyList<string> GetAll(string key)
    {
        List<string>? values = null;
        foreach (var (k, v) in Values)
        {
            if (string.Equals(k, key, StringComparison.Ordinal) && !string.IsNullOrEmpty(v))
            {
                (values ??= []).Add(v);
            }
        }

        return values ?? (IReadOnlyList<string>)[];
    }
}

/// <summary>A reply the host turns into an HTTP response.</summary>
public abstract record OAuthReply;

/// <summary>
/// What kind of failure a reply is, so the host can choose how to answer it (the core knows no HTTP): the caller's
/// request was wrong, its credentials were missing or wrong, it may not do this, the thing does not exist or already
/// exists, the server could not answer in time (retry), or the server failed (a bug, logged with its stack trace).
/// </summary>
public enum FailureKind
{
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Unavailable,
    ServerError,
}

/// <summary>The authentication scheme a failure asks the caller to use again (RFC 7617, RFC 6750 3).</summary>
public enum ChallengeScheme
{
    Basic,
    Bearer,
}

/// <summary>
/// A challenge to present credentials again: the scheme, and for Bearer the RFC 6750 error (absent when no token was
/// presented at all) and the scopes that would do.
/// </summary>
public sealed record AuthChallenge(ChallengeScheme Scheme, string? Error = null, string? Scope = null)
{
    public static readonly AuthChallenge Basic = new(ChallengeScheme.Basic);

    /// <summary>No token was presented (RFC 6750 3.1: no error code then).</summary>
    public static readonly AuthChallenge BearerRequired = new(ChallengeScheme.Bearer);

    public static readonly AuthChallenge BearerInvalid = new(ChallengeScheme.Bearer, Errors.InvalidToken);
}

/// <summary>RFC 6749 5.2 error triple, with what kind of failure it is and, for failed authentication, the challenge.</summary>
public sealed record OAuthError(string Error, string Description, FailureKind Kind = FailureKind.BadRequest, AuthChallenge? Challenge = null, string? ErrorUri = null) : OAuthReply
{
    /// <summary>The one answer for anything that did not complete within the request timeout.</summary>
    public static readonly OAuthError TimedOut = new(Errors.TemporarilyUnavailable, "The server did not answer in time; retry.", FailureKind.Unavailable);

    /// <summary>The one answer for a failure that is the server's fault; its cause is logged, never sent.</summary>
    public static readonly OAuthError Failed = new(Errors.ServerError, "The server failed to process the request.", FailureKind.ServerError);

    public static OAuthError InvalidRequest(string description) => new(Errors.InvalidRequest, description);

    public static OAuthError InvalidClient(bool basicAttempted) =>
        new(Errors.InvalidClient, "Client authentication failed.", FailureKind.Unauthenticated, basicAttempted ? AuthChallenge.Basic : null);
}

// TokenIssued, IntrospectionResult and RevocationAccepted come from this node's AuthActor and token actors only: no serialization check.
/// <summary>RFC 6749 5.1 successful token response.</summary>
public sealed record TokenIssued(string AccessToken, string TokenType, long ExpiresIn, string? Scope, string? RefreshToken) : OAuthReply, INoSerializationVerificationNeeded
{
    public override string ToString() =>
        $"TokenIssued {{ AccessToken = {Redact.Tail(AccessToken)}, TokenType = {TokenType}, ExpiresIn = {ExpiresIn}, Scope = {Scope}, RefreshToken = {Redact.Tail(RefreshToken)} }}";
}

/// <summary>RFC 7662 response body: only <c>active=false</c> for anything not active.</summary>
public sealed record IntrospectionResult(bool Active, ActiveToken? Token) : OAuthReply, INoSerializationVerificationNeeded
{
    public static readonly IntrospectionResult Inactive = new(false, null);
}

/// <summary>
/// The claims of a valid, unexpired, unrevoked token: an access token (its JWT claims), or a refresh token
/// (<see cref="TokenType"/> <c>refresh_token</c>: no jti, the family as grant, the grant's resources as audiences).
/// </summary>
public sealed record ActiveToken(
    string Jti,
    string Issuer,
    string Subject,
    string ClientId,
    string Scope,
    IReadOnlyList<string> Audiences,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string? GrantId = null,
    string TokenType = TokenTypes.AccessToken)
{
    public bool HasScope(string scope) => ScopeSyntax.Contains(Scope, scope);
}

/// <summary>RFC 7009: revocation succeeded, or the token was unknown; both answer 200.</summary>
public sealed record RevocationAccepted : OAuthReply, INoSerializationVerificationNeeded
{
    public static readonly RevocationAccepted Instance = new();
}

/// <summary>RFC 7591 3.2.1 registration response.</summary>
public sealed record ClientRegistrationSucceeded(ClientRegistrationResponse Response) : OAuthReply;

/// <summary>Client metadata as sent to the registration endpoint (RFC 7591 2); unvalidated.</summary>
public sealed record ClientMetadata(
    IReadOnlyList<string>? RedirectUris = null,
    IReadOnlyList<string>? GrantTypes = null,
    IReadOnlyList<string>? ResponseTypes = null,
    string? TokenEndpointAuthMethod = null,
    string? Scope = null,
    string? ClientName = null);

public sealed record ClientRegistrationResponse(
    string ClientId,
    string? ClientSecret,
    long ClientIdIssuedAt,
    long ClientSecretExpiresAt,
    string? RegistrationAccessToken,
    string RegistrationClientUri,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope,
    string? ClientName)
{
    /// <summary>The client secret and the registration access token redacted; the rest as the record prints it.</summary>
    public override string ToString() =>
        $"ClientRegistrationResponse {{ ClientId = {ClientId}, ClientSecret = {Redact.Tail(ClientSecret)}, RegistrationAccessToken = {Redact.Tail(RegistrationAccessToken)}, " +
        $"RegistrationClientUri = {RegistrationClientUri}, GrantTypes = {string.Join(" ", GrantTypes)}, TokenEndpointAuthMethod = {TokenEndpointAuthMethod}, Scope = {Scope} }}";
}

public enum AuthorizationScheme
{
    None,
    Basic,
    Bearer,
}

/// <summary>
/// What the request's Authorization header presented, as the host decoded it: client credentials (RFC 6749 2.3.1,
/// Basic), an access token (RFC 6750 2.1, Bearer), or nothing the server uses. A Basic header that does not decode is
/// Basic without credentials. The core applies the rules; it never reads header text.
/// </summary>
public sealed record PresentedAuthorization
{
    public static readonly PresentedAuthorization None = new(AuthorizationScheme.None, null, null);

    /// <summary>A Basic header whose credentials could not be decoded.</summary>
    public static readonly PresentedAuthorization UndecodableBasic = new(AuthorizationScheme.Basic, null, null);

    private PresentedAuthorization(AuthorizationScheme scheme, string? principal, string? credential)
    {
        Scheme = scheme;
        Principal = principal;
        Credential = credential;
    }

    public AuthorizationScheme Scheme { get; }

    /// <summary>Basic: the client id.</summary>
    public string? Principal { get; }

    /// <summary>Basic: the client secret; Bearer: the token.</summary>
    public string? Credential { get; }

    public string? BearerToken => Scheme == AuthorizationScheme.Bearer ? Credential : null;

    public static PresentedAuthorization Basic(string clientId, string secret) => new(AuthorizationScheme.Basic, clientId, secret);

    public static PresentedAuthorization Bearer(string token) => new(AuthorizationScheme.Bearer, null, token);

    /// <summary>Never the secret or the token.</summary>
    public override string ToString() => $"PresentedAuthorization {{ Scheme = {Scheme}, Principal = {Principal} }}";
}
