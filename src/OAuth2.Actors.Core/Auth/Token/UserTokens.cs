using OAuth2.Actors.Grants;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.Token;

/// <summary>What a user granted a client: the user, the scope, how, and the grant that ties its tokens together.</summary>
public sealed record UserGrant(string UserId, string Username, string Scope, string GrantType, string GrantId);

/// <summary>Tokens on behalf of a user, and the checks every user grant shares.</summary>
public static class UserTokens
{
    /// <summary>An access token, and a refresh token (a new family) when the client may refresh.</summary>
    public static async Task<OAuthReply> Issue(TokenRequestContext context, UserGrant grant)
    {
        var services = context.Services;
        var client = context.AuthenticatedClient;
        string? refreshToken = null;
        if (client.AllowsGrant(GrantTypes.RefreshToken))
        {
            var (token, secret) = RefreshTokens.New(grant.GrantId);
            await services.Ask<RefreshFamilyStarted>(services.RefreshFamilies, new StartRefreshFamily(
                grant.GrantId, client.ClientId, grant.UserId, grant.Scope, RefreshTokens.Hash(secret),
                services.Time.GetUtcNow() + services.Settings.RefreshTokenTtl, grant.Username));
            refreshToken = token;
        }

        var issued = await services.AskTokens<AccessTokenIssued>(new IssueAccessToken(
            grant.UserId, client.ClientId, grant.Scope, grant.GrantType, context.Request, grant.UserId, grant.GrantId, refreshToken is not null));
        return context.Issued(issued, grant.Scope, refreshToken);
    }

    /// <summary>A user deleted (or deleted and re-created under the same name) no longer holds the grants of the old account.</summary>
    public static async Task<bool> UserStillExists(AuthServices services, string username, string userId)
    {
        var current = await services.Ask<CurrentUser>(services.Users, new GetUser(username));
        return current.User?.UserId == userId;
    }

    /// <summary>Ends a grant at once: its refresh family and every access token issued under it, on every node.</summary>
    public static async Task RevokeGrant(AuthServices services, string grantId, RevocationReason reason, RequestContext request, bool refreshFamily = true)
    {
        if (refreshFamily)
        {
            await services.Ask<RefreshFamilyRevoked>(services.RefreshFamilies, new RevokeRefreshFamily(grantId, null, reason, request));
        }

        await services.AskTokens<OAuthReply>(new RevokeByKey(RevokeByKey.Grant(grantId), reason.ToWire(), request));
    }
}
