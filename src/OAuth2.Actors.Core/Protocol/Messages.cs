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

    /// <summary>The first parameter that appears more than once, if any.</summary>
    public string? FirstRepeated()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in Values)
        {
            if (!seen.Add(key))
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
}

/// <summary>A reply the host turns into an HTTP response.</summary>
public abstract record OAuthReply;

/// <summary>RFC 6749 5.2 error triple plus the HTTP status and, for failed Basic authentication, the challenge.</summary>
public sealed record OAuthError(string Error, string Description, int StatusCode = 400, string? WwwAuthenticate = null) : OAuthReply
{
    public static OAuthError InvalidRequest(string description) => new(Errors.InvalidRequest, description);

    public static OAuthError InvalidClient(bool basicAttempted) =>
        new(Errors.InvalidClient, "Client authentication failed.", 401, basicAttempted ? "Basic realm=\"oauth2\", charset=\"UTF-8\"" : null);
}

/// <summary>RFC 6749 5.1 successful token response.</summary>
public sealed record TokenIssued(string AccessToken, string TokenType, long ExpiresIn, string? Scope, string? RefreshToken) : OAuthReply;

/// <summary>RFC 7662 response body: only <c>active=false</c> for anything not active.</summary>
public sealed record IntrospectionResult(bool Active, ActiveToken? Token) : OAuthReply
{
    public static readonly IntrospectionResult Inactive = new(false, null);
}

/// <summary>The claims of a valid, unexpired, unrevoked access token.</summary>
public sealed record ActiveToken(
    string Jti,
    string Issuer,
    string Subject,
    string ClientId,
    string Scope,
    string Audience,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string? GrantId = null)
{
    public bool HasScope(string scope) => Scope.Split(' ').Contains(scope, StringComparer.Ordinal);
}

/// <summary>RFC 7009: revocation succeeded, or the token was unknown; both answer 200.</summary>
public sealed record RevocationAccepted : OAuthReply
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
    string? ClientName);
