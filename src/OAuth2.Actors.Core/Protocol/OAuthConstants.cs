namespace OAuth2.Actors.Protocol;

/// <summary>Every protocol string in one place (RFC 6749, 7009, 7591, 7662, 8414, 9068).</summary>
public static class GrantTypes
{
    public const string ClientCredentials = "client_credentials";
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string Password = "password";

    /// <summary>The grant types served by default (the password grant only when switched on; more by registered grant handlers).</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        ClientCredentials, AuthorizationCode, RefreshToken,
    };
}

/// <summary>RFC 7636 4.3: the only code_challenge_method this server accepts.</summary>
public static class CodeChallengeMethods
{
    public const string S256 = "S256";
}

public static class ResponseTypes
{
    public const string Code = "code";
}

public static class ClientAuthMethods
{
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
    public const string None = "none";

    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        ClientSecretBasic, ClientSecretPost, None,
    };
}

public static class Errors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidScope = "invalid_scope";
    public const string UnsupportedTokenType = "unsupported_token_type";
    public const string ServerError = "server_error";
    public const string TemporarilyUnavailable = "temporarily_unavailable";
    public const string InvalidRedirectUri = "invalid_redirect_uri";
    public const string InvalidClientMetadata = "invalid_client_metadata";
    public const string InvalidToken = "invalid_token";
    public const string InsufficientScope = "insufficient_scope";
    public const string AccessDenied = "access_denied";
    public const string UnsupportedResponseType = "unsupported_response_type";

    /// <summary>RFC 8707 2: the requested resource is invalid, missing, unknown, malformed, or not for this client.</summary>
    public const string InvalidTarget = "invalid_target";
}

public static class Parameters
{
    public const string GrantType = "grant_type";
    public const string Scope = "scope";
    public const string ClientId = "client_id";
    public const string ClientSecret = "client_secret";
    public const string Token = "token";
    public const string TokenTypeHint = "token_type_hint";
    public const string ResponseType = "response_type";
    public const string RedirectUri = "redirect_uri";
    public const string State = "state";
    public const string Code = "code";
    public const string CodeChallenge = "code_challenge";
    public const string CodeChallengeMethod = "code_challenge_method";
    public const string CodeVerifier = "code_verifier";
    public const string RefreshToken = "refresh_token";
    public const string Username = "username";
    public const string Password = "password";
    public const string Issuer = "iss";

    /// <summary>RFC 8707: the resource (audience) a token is for; may be repeated.</summary>
    public const string Resource = "resource";
}

public static class Scopes
{
    public const string Admin = "admin";
    public const string EventsRead = "events:read";
    public const string EventsIngest = "events:ingest";

    /// <summary>Scraping <c>/metrics</c> on the main port (as <see cref="Admin"/> may).</summary>
    public const string MetricsRead = "metrics:read";
}

public static class TokenTypes
{
    public const string Bearer = "Bearer";
    public const string AccessToken = "access_token";
    public const string RefreshToken = "refresh_token";
    public const string AccessTokenJwtType = "at+jwt";
}
