using Akka.Actor;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth;

/// <summary>The user grants of the token endpoint: authorization_code (with PKCE), refresh_token (rotating), password.</summary>
public sealed partial class AuthActor
{
    private async Task<OAuthReply> AuthorizationCode(ClientView client, TokenEndpointRequest request)
    {
        var code = request.Form.Get(Parameters.Code);
        if (code is null)
        {
            return OAuthError.InvalidRequest("code is required.");
        }

        var reply = await _neighbours.Codes.Ask<object>(
            new RedeemCode(Codes.IdOf(code), client.ClientId, request.Form.Get(Parameters.RedirectUri), request.Form.Get(Parameters.CodeVerifier), request.Context),
            _settings.InternalTimeout);
        switch (reply)
        {
            case CodeRedeemed redeemed:
                if (!await UserStillExists(redeemed.Grant.Username, redeemed.Grant.UserId))
                {
                    return new OAuthError(Errors.InvalidGrant, "The user of this authorization code no longer exists.");
                }

                return await IssueUserTokens(client, redeemed.Grant.UserId, redeemed.Grant.Scope, GrantTypes.AuthorizationCode, redeemed.Grant.GrantId, request.Context, redeemed.Grant.Username);
            case CodeRejected { Reason: "replayed", GrantIdToRevoke: { } grantId }:
                // RFC 6749 4.1.2: a code used twice revokes what it granted.
                await _neighbours.RefreshFamilies.Ask<RefreshFamilyRevoked>(new RevokeRefreshFamily(grantId, null, "authorization_code_replay", request.Context), _settings.InternalTimeout);
                await _tokens.Ask<OAuthReply>(new RevokeByKey(RevokeByKey.Grant(grantId), "authorization_code_replay", request.Context), _settings.InternalTimeout);
                return new OAuthError(Errors.InvalidGrant, "The authorization code was already used; the tokens issued for it are revoked.");
            case CodeRejected rejected:
                return new OAuthError(Errors.InvalidGrant, rejected.Reason switch
                {
                    "expired" => "The authorization code has expired.",
                    "redirect_uri_mismatch" => "redirect_uri does not match the authorization request.",
                    "pkce_failed" => "code_verifier does not match the code_challenge.",
                    "client_mismatch" => "The authorization code was issued to another client.",
                    _ => "The authorization code is not valid.",
                });
            default:
                return new OAuthError(Errors.InvalidGrant, "The authorization code is not valid.");
        }
    }

    private async Task<OAuthReply> Refresh(ClientView client, TokenEndpointRequest request)
    {
        var presented = request.Form.Get(Parameters.RefreshToken);
        if (presented is null)
        {
            return OAuthError.InvalidRequest("refresh_token is required.");
        }

        if (!ScopeSyntax.TryParse(request.Form.Get(Parameters.Scope), out var scopes))
        {
            return new OAuthError(Errors.InvalidScope, "scope contains characters outside RFC 6749 3.3.");
        }

        if (!RefreshTokens.TryParse(presented, out var familyId, out var secret))
        {
            return new OAuthError(Errors.InvalidGrant, "The refresh token is not valid.");
        }

        var reply = await _neighbours.RefreshFamilies.Ask<object>(new UseRefreshToken(familyId, secret, client.ClientId, scopes, request.Context), _settings.InternalTimeout);
        switch (reply)
        {
            case RefreshRotated rotated:
                if (rotated.Username is not null && !await UserStillExists(rotated.Username, rotated.UserId))
                {
                    // The user was deleted: the grant ends here, not at the refresh token's expiry.
                    await _neighbours.RefreshFamilies.Ask<RefreshFamilyRevoked>(new RevokeRefreshFamily(familyId, null, "user_deleted", request.Context), _settings.InternalTimeout);
                    return new OAuthError(Errors.InvalidGrant, "The refresh token has been revoked.");
                }

                var issued = await _tokens.Ask<AccessTokenIssued>(
                    new IssueAccessToken(rotated.UserId, client.ClientId, rotated.Scope, GrantTypes.RefreshToken, request.Context, rotated.UserId, familyId, HasRefreshToken: true),
                    _settings.InternalTimeout);
                return new TokenIssued(issued.AccessToken, TokenTypes.Bearer, (long)_settings.AccessTokenTtl.TotalSeconds, rotated.Scope, rotated.NewRefreshToken);
            case RefreshRejected { Reason: "reuse_detected" }:
                await _tokens.Ask<OAuthReply>(new RevokeByKey(RevokeByKey.Grant(familyId), "refresh_token_reuse", request.Context), _settings.InternalTimeout);
                return new OAuthError(Errors.InvalidGrant, "The refresh token was already used; the whole grant is revoked.");
            case RefreshRejected { Reason: "invalid_scope" }:
                return new OAuthError(Errors.InvalidScope, "A refresh may only narrow the scope of the original grant.");
            case RefreshRejected rejected:
                return new OAuthError(Errors.InvalidGrant, rejected.Reason switch
                {
                    "expired" => "The refresh token has expired.",
                    "revoked" => "The refresh token has been revoked.",
                    "already_used" => "The refresh token was just rotated; use the new one.",
                    _ => "The refresh token is not valid.",
                });
            default:
                return new OAuthError(Errors.InvalidGrant, "The refresh token is not valid.");
        }
    }

    private async Task<OAuthReply> Password(ClientView client, TokenEndpointRequest request)
    {
        var username = request.Form.Get(Parameters.Username);
        var password = request.Form.Get(Parameters.Password);
        if (username is null || password is null)
        {
            return OAuthError.InvalidRequest("username and password are required.");
        }

        var (scope, scopeError) = GrantedScope(client, request.Form.Get(Parameters.Scope));
        if (scope is null)
        {
            return scopeError!;
        }

        if (Usernames.Problem(username) is not null)
        {
            return new OAuthError(Errors.InvalidGrant, "Invalid username or password.");
        }

        var reply = await _neighbours.Users.Ask<object>(new AuthenticateUser(username, password, "password_grant", client.ClientId, request.Context), _settings.InternalTimeout);
        return reply is UserAuthenticated ok
            ? await IssueUserTokens(client, ok.User.UserId, scope, GrantTypes.Password, Secrets.NewClientId(), request.Context, ok.User.Username)
            : new OAuthError(Errors.InvalidGrant, "Invalid username or password.");
    }

    /// <summary>An access token for a user, and a refresh token (a new family) when the client may refresh.</summary>
    /// <summary>A user deleted (or deleted and re-created under the same name) no longer holds the grants of the old account.</summary>
    private async Task<bool> UserStillExists(string username, string userId)
    {
        var current = await _neighbours.Users.Ask<CurrentUser>(new GetUser(username), _settings.InternalTimeout);
        return current.User?.UserId == userId;
    }

    private async Task<OAuthReply> IssueUserTokens(ClientView client, string userId, string scope, string grantType, string grantId, RequestContext context, string username)
    {
        string? refreshToken = null;
        if (client.AllowsGrant(GrantTypes.RefreshToken))
        {
            var (token, secret) = RefreshTokens.New(grantId);
            await _neighbours.RefreshFamilies.Ask<RefreshFamilyStarted>(
                new StartRefreshFamily(grantId, client.ClientId, userId, scope, RefreshTokens.Hash(secret), _time.GetUtcNow() + _settings.RefreshTokenTtl, username),
                _settings.InternalTimeout);
            refreshToken = token;
        }

        var issued = await _tokens.Ask<AccessTokenIssued>(
            new IssueAccessToken(userId, client.ClientId, scope, grantType, context, userId, grantId, refreshToken is not null),
            _settings.InternalTimeout);
        return new TokenIssued(issued.AccessToken, TokenTypes.Bearer, (long)_settings.AccessTokenTtl.TotalSeconds, scope, refreshToken);
    }
}
