using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.Token;

/// <summary>
/// What a user granted a client: the user, the scope, how, the grant that ties its tokens together, and the RFC 8707
/// resources the grant named (null: none; its refresh tokens then get tokens for any resource the client may use).
/// </summary>
public sealed record UserGrant(string UserId, string Username, string Scope, string GrantType, string GrantId, IReadOnlyList<string>? Resources = null);

/// <summary>Tokens on behalf of a user, and the checks every user grant shares.</summary>
public static class UserTokens
{
    /// <summary>
    /// An access token, and a refresh token (a new family, holding the whole grant) when the client may refresh, for what
    /// <paramref name="user"/> may have of the grant's scope (reserved scopes only with the matching role,
    /// <see cref="ScopePolicy.ForUser"/>); the access token is for the request's RFC 8707 resources (or the grant's), with
    /// the scopes they accept.
    /// </summary>
    public static async Task<OAuthReply> Issue(TokenRequestContext context, UserGrant grant, UserView user)
    {
        var services = context.Services;
        if (!ScopePolicy.ForUser(grant.Scope, user.Roles, services.Settings.ReservedScopes, out var scope, out var error))
        {
            return error!;
        }

        grant = grant with { Scope = scope };
        var (target, targetError) = await context.Target(grant.Scope, grant.Resources);
        if (targetError is not null)
        {
            return targetError;
        }

        var client = context.AuthenticatedClient;
        string? refreshToken = null;
        if (client.AllowsGrant(GrantTypes.RefreshToken))
        {
            var (token, secret) = RefreshTokens.New(grant.GrantId);
            await services.Ask<RefreshFamilyStarted>(services.RefreshFamilies, new StartRefreshFamily(
                grant.GrantId, client.ClientId, grant.UserId, grant.Scope, RefreshTokens.Hash(secret),
                services.Time.GetUtcNow() + services.Settings.RefreshTokenTtl, grant.Username, grant.Resources));
            refreshToken = token;
        }

        var issued = await services.AskTokens<AccessTokenIssued>(new IssueAccessToken(
            grant.UserId, client.ClientId, target!.Scope, grant.GrantType, context.Request, grant.UserId, grant.GrantId, refreshToken is not null, target.Audiences));
        return context.Issued(issued, target.Scope, refreshToken);
    }

    /// <summary>A user deleted (or deleted and re-created under the same name) no longer holds the grants of the old account.</summary>
    public static async Task<bool> UserStillExists(AuthServices services, string username, string userId) =>
        await CurrentAccount(services, username, userId) is not null;

    /// <summary>
    /// The account <paramref name="userId"/> as it is now (its roles included), or null when it no longer exists. Without
    /// the username (a grant written before grants kept it), the user directory finds it by id.
    /// </summary>
    public static async Task<UserView?> CurrentAccount(AuthServices services, string? username, string userId)
    {
        var current = username is null
            ? await services.Ask<CurrentUser>(services.UserDirectory, new FindUserById(userId))
            : await services.Ask<CurrentUser>(services.Users, new GetUser(username));
        return current.User?.UserId == userId ? current.User : null;
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
