using OAuth2.Actors.Resources;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Token;

/// <summary>A request to <c>/oauth/token</c> on its way through <see cref="TokenEndpoint"/>.</summary>
public sealed class TokenRequestContext(AuthServices services, TokenEndpointRequest request)
    : FormEndpointContext(services, request.Context, request.Authorization, request.Form)
{
    public string GrantType => Form.Get(Parameters.GrantType) ?? string.Empty;

    /// <summary>The handler of the requested grant type, once <see cref="RequireSupportedGrantType"/> has found it.</summary>
    public ITokenGrant? Grant { get; set; }

    /// <summary>
    /// RFC 8707: the audiences and scope of the access token for the request's <c>resource</c> parameters, given the
    /// scope granted and the resources the grant named (null: none); or <c>invalid_target</c>.
    /// </summary>
    public async ValueTask<(ResourceTarget? Target, OAuthError? Error)> Target(string scope, IReadOnlyList<string>? granted = null)
    {
        if (!ResourceIndicators.TryRead(Form, out var requested, out var error))
        {
            return (null, error);
        }

        return await ResourceIndicators.Resolve(Services, AuthenticatedClient, requested, granted, scope);
    }

    /// <summary>RFC 6749 5.1: the response for an access token just issued (expires_in from the token's own expiry).</summary>
    public TokenIssued Issued(AccessTokenIssued token, string scope, string? refreshToken = null) =>
        new(token.AccessToken, TokenTypes.Bearer, (long)Math.Round((token.ExpiresAt - Services.Time.GetUtcNow()).TotalSeconds), scope, refreshToken);
}
