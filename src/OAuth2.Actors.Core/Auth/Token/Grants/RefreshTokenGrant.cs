using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Hosting;
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
        // A family id this node recently heard does not exist: refused from memory, without starting an entity.
        if (services.UnknownIds.IsUnknown(UnknownIdKind.RefreshFamily, familyId))
        {
            return new OAuthError(Errors.InvalidGrant, Describe(RefreshRejection.Unknown));
        }

        var generation = services.UnknownIds.Generation;

        if (await CheckResourcesBeforeRotating(context, familyId, secret, scopes) is { } resourceError)
        {
            return resourceError;
        }

        var reply = await services.Ask<object>(services.RefreshFamilies, new UseRefreshToken(familyId, secret, client.ClientId, scopes, context.Request, client.ScopeList));
        if (reply is RefreshRejected { NoSuchFamily: true })
        {
            services.UnknownIds.Remember(UnknownIdKind.RefreshFamily, familyId, generation);
        }

        switch (reply)
        {
            case RefreshRotated rotated:
                if (await UserTokens.CurrentAccount(services, rotated.Username, rotated.UserId) is not { } user)
                {
                    // The user was deleted: the grant ends here, not at the refresh token's expiry.
                    await services.Ask<RefreshFamilyRevoked>(services.RefreshFamilies, new RevokeRefreshFamily(familyId, null, RevocationReason.UserDeleted, context.Request));
                    return new OAuthError(Errors.InvalidGrant, Describe(RefreshRejection.Revoked));
                }

                // Roles are checked again at every refresh: a role taken away narrows what the grant still gives.
                if (!ScopePolicy.ForUser(rotated.Scope, user.Roles, services.Settings.ReservedScopes, out var scope, out var error))
                {
                    return error!;
                }

                var (target, targetError) = await context.Target(scope, rotated.Resources);
                if (targetError is not null)
                {
                    // Checked before the rotation; only a resource server removed in between gets here.
                    return targetError;
                }

                var issued = await services.AskTokens<AccessTokenIssued>(new IssueAccessToken(
                    rotated.UserId, client.ClientId, target!.Scope, GrantType, context.Request, rotated.UserId, familyId, HasRefreshToken: true, target.Audiences));
                return context.Issued(issued, target.Scope, rotated.NewRefreshToken);
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

    /// <summary>
    /// RFC 8707 with a <c>resource</c> on the refresh: checked against the family before it rotates, so a request for
    /// the wrong resource does not cost the client its refresh token. A token that is not the family's current one is
    /// left to the rotation, which answers why.
    /// </summary>
    private static async Task<OAuthError?> CheckResourcesBeforeRotating(TokenRequestContext context, string familyId, string secret, string[] scopes)
    {
        if (context.Form.Get(Parameters.Resource) is null)
        {
            return null;
        }

        var services = context.Services;
        var family = await services.Ask<RefreshTokenInspected>(services.RefreshFamilies, new InspectRefreshToken(familyId, secret, context.AuthenticatedClient.ClientId));
        if (!family.Active)
        {
            return null;
        }

        var granted = family.Scope!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var scope = scopes.Length > 0 && scopes.All(s => granted.Contains(s, StringComparer.Ordinal)) ? ScopeSyntax.Join(scopes) : family.Scope;
        return (await context.Target(scope, family.Resources)).Error;
    }

    private static string Describe(RefreshRejection reason) => reason switch
    {
        RefreshRejection.Expired => "The refresh token has expired.",
        RefreshRejection.Revoked => "The refresh token has been revoked.",
        RefreshRejection.AlreadyUsed => "The refresh token was just rotated; use the new one.",
        _ => "The refresh token is not valid.",
    };
}
