using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Revocation;

/// <summary><c>/oauth/revoke</c> (RFC 7009): a client revokes one of its tokens; unknown tokens answer 200 too.</summary>
public static class RevocationEndpoint
{
    public static readonly EndpointPipeline<RevocationContext> Pipeline = new(
        RejectRepeatedParameters<RevocationContext>.Instance,
        AuthenticateClient<RevocationContext>.Instance,
        new RequireParameter<RevocationContext>(Parameters.Token),
        new RevokeRefreshTokenFamily(),
        new RevokeAccessToken());

    /// <summary>RFC 7009 2.1: revoking a refresh token revokes its family and the access tokens of the same grant.</summary>
    public sealed class RevokeRefreshTokenFamily : IEndpointStep<RevocationContext>
    {
        public async ValueTask Handle(RevocationContext context)
        {
            if (!RefreshTokens.TryParse(context.Token, out var familyId, out var secret))
            {
                return;
            }

            var services = context.Services;
            var revoked = await services.Ask<RefreshFamilyRevoked>(services.RefreshFamilies, new RevokeRefreshFamily(
                familyId, context.AuthenticatedClient.ClientId, RevocationReason.RevokedByClient, context.Request, secret));
            if (revoked.NotOwner)
            {
                context.Reject(Errors.UnauthorizedClient, "The token was not issued to this client.");
                return;
            }

            if (revoked.Existed)
            {
                await services.AskTokens<OAuthReply>(new RevokeByKey(RevokeByKey.Grant(familyId), RevocationReason.RefreshTokenRevoked.ToWire(), context.Request));
            }

            context.Complete(RevocationAccepted.Instance);
        }
    }

    public sealed class RevokeAccessToken : IEndpointStep<RevocationContext>
    {
        public async ValueTask Handle(RevocationContext context)
        {
            var services = context.Services;
            context.Complete(await services.AskTokens<OAuthReply>(new RevokeToken(
                context.Token, context.Form.Get(Parameters.TokenTypeHint), context.AuthenticatedClient.ClientId, context.Request)));
        }
    }
}
