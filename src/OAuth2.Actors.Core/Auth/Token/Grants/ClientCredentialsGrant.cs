using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Token.Grants;

/// <summary>RFC 6749 4.4: a confidential client gets an access token for itself.</summary>
public sealed class ClientCredentialsGrant : ITokenGrant
{
    public string GrantType => GrantTypes.ClientCredentials;

    public async Task<OAuthReply> Issue(TokenRequestContext context)
    {
        var client = context.AuthenticatedClient;
        if (client.TokenEndpointAuthMethod == ClientAuthMethods.None)
        {
            return new OAuthError(Errors.UnauthorizedClient, "Public clients cannot use the client_credentials grant.");
        }

        if (!ScopePolicy.TryGrant(client, context.Form.Get(Parameters.Scope), out var scope, out var error))
        {
            return error!;
        }

        var (target, targetError) = await context.Target(scope);
        if (targetError is not null)
        {
            return targetError;
        }

        var services = context.Services;
        var issued = await services.AskTokens<AccessTokenIssued>(new IssueAccessToken(client.ClientId, client.ClientId, target!.Scope, GrantType, context.Request, Audiences: target.Audiences));
        return context.Issued(issued, target.Scope);
    }
}
