using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Token;

/// <summary>A request to <c>/oauth/token</c> on its way through <see cref="TokenEndpoint"/>.</summary>
public sealed class TokenRequestContext(AuthServices services, TokenEndpointRequest request)
    : FormEndpointContext(services, request.Context, request.Authorization, request.Form)
{
    public string GrantType => Form.Get(Parameters.GrantType) ?? string.Empty;

    /// <summary>The handler of the requested grant type, once <see cref="RequireSupportedGrantType"/> has found it.</summary>
    public ITokenGrant? Grant { get; set; }

    /// <summary>RFC 6749 5.1: the response for an access token just issued (expires_in from the token's own expiry).</summary>
    public TokenIssued Issued(AccessTokenIssued token, string scope, string? refreshToken = null) =>
        new(token.AccessToken, TokenTypes.Bearer, (long)Math.Round((token.ExpiresAt - Services.Time.GetUtcNow()).TotalSeconds), scope, refreshToken);
}
