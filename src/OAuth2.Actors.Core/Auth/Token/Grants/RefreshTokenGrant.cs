using OAuth2.Actors.Grants;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Token.Grants;

/// <summary>RFC 6749 6 with rotation (Security BCP 4.14): a refresh token used twice revokes the whole grant.</summary>
public sealed class RefreshTokenGrant : ITokenGrant
{
    public string GrantType => GrantTypes.RefreshToken;

    public IReadOnlyList<string> RequiredParameters { get; } = [Parameters.RefreshToken];

    public async Task<OAuthReply> Issue(TokenRequestContext context)
    {
        var presented = context.Form.Get(Parameters.RefreshToken)!;
        if (!ScopeSyntax.TryParse(context.Form.Get(Parameters.Scope), out var scopes))
        {
            return new OAuthError(Errors.InvalidScope, "scope contains characters outside RFC 6749 3.3.");
        }

        if (!RefreshTokens.TryParse(presented, out var familyId, out var secret))
        {
            return new OAuthError(Errors.InvalidGrant, Describe(RefreshRejection.Unknown));
        }

        var services = context.Services;
        var client = context.AuthenticatedClient;
        var reply = await services.Ask<object>(services.RefreshFamilies, new UseRefreshToken(familyId, secret, client.ClientId, scopes, context.Request, client.ScopeList));
        switch (reply)
        {
            case RefreshRotated rotated:
                if (rotated.Username is not null && !await UserTokens.UserStillExists(services, rotated.Username, rotated.UserId))
                {
                    // The user was deleted: the grant ends here, not at the refresh token's expiry.
                    await services.Ask<RefreshFamilyRevoked>(services.RefreshFamilies, new RevokeRefreshFamily(familyId, null, RevocationReason.UserDeleted, context.Request));
                    return new OAuthError(Errors.InvalidGrant, Describe(RefreshRejection.Revoked));
                }

                var issued = await services.AskTokens<AccessTokenIssued>(new IssueAccessToken(
                    rotated.UserId, client.ClientId, rotated.Scope, GrantType, context.Request, rotated.UserId, familyId, HasRefreshToken: true));
                return context.Issued(issued, rotated.Scope, rotated.NewRefreshToken);
            case RefreshRejected { Reason: RefreshRejection.ReuseDetected }:
                // The family closed itself; the access tokens of the grant go with it.
                await UserTokens.RevokeGrant(services, familyId, RevocationReason.RefreshTokenReuse, context.Request, refreshFamily: false);
                return new OAuthError(Errors.InvalidGrant, "The refresh token was already used; the whole grant is revoked.");
            case RefreshRejected { Reason: RefreshRejection.InvalidScope }:
                return new OAuthError(Errors.InvalidScope, "A refresh may only narrow the scope of the original grant, to scopes the client still holds.");
            case RefreshRejected rejected:
                return new OAuthError(Errors.InvalidGrant, Describe(rejected.Reason));
            default:
                return new OAuthError(Errors.InvalidGrant, Describe(RefreshRejection.Unknown));
        }
    }

    private static string Describe(RefreshRejection reason) => reason switch
    {
        RefreshRejection.Expired => "The refresh token has expired.",
        RefreshRejection.Revoked => "The refresh token has been revoked.",
        RefreshRejection.AlreadyUsed => "The refresh token was just rotated; use the new one.",
        _ => "The refresh token is not valid.",
    };
}
