using OAuth2.Actors.Grants;

namespace OAuth2.Actors.Auth.Token.Grants;

/// <summary>RFC 6749 4.1.3 with PKCE (RFC 7636 4.6): one redemption of a code ever succeeds; a replay revokes its grant.</summary>
public sealed class AuthorizationCodeGrant : ITokenGrant
{
    public string GrantType => GrantTypes.AuthorizationCode;

    public IReadOnlyList<string> RequiredParameters { get; } = [Parameters.Code];

    public async Task<OAuthReply> Issue(TokenRequestContext context)
    {
        var code = context.Form.Get(Parameters.Code)!;
        var services = context.Services;
        var client = context.AuthenticatedClient;

        // RFC 8707: a resource the client may never use fails before the code is spent.
        var (_, targetError) = await context.Target(client.Scope);
        if (targetError is not null)
        {
            return targetError;
        }

        var reply = await services.Ask<object>(services.Codes, new RedeemCode(
            Codes.IdOf(code), client.ClientId, context.Form.Get(Parameters.RedirectUri), context.Form.Get(Parameters.CodeVerifier), context.Request));
        switch (reply)
        {
            case CodeRedeemed { Grant: var grant }:
                if (await UserTokens.CurrentAccount(services, grant.Username, grant.UserId) is not { } user)
                {
                    return new OAuthError(Errors.InvalidGrant, "The user of this authorization code no longer exists.");
                }

                // RFC 8707 2.2: the token request may narrow the resources of the authorization request, never widen them
                // (checked in UserTokens.Issue against the grant's resources).
                return await UserTokens.Issue(context, new UserGrant(grant.UserId, grant.Username, grant.Scope, GrantType, grant.GrantId, grant.Resources), user);
            case CodeRejected { Reason: CodeRejection.Replayed, GrantIdToRevoke: { } grantId }:
                // RFC 6749 4.1.2: a code used twice revokes what it granted.
                await UserTokens.RevokeGrant(services, grantId, RevocationReason.AuthorizationCodeReplay, context.Request);
                return new OAuthError(Errors.InvalidGrant, "The authorization code was already used; the tokens issued for it are revoked.");
            case CodeRejected rejected:
                return new OAuthError(Errors.InvalidGrant, Describe(rejected.Reason));
            default:
                return new OAuthError(Errors.InvalidGrant, Describe(CodeRejection.Unknown));
        }
    }

    private static string Describe(CodeRejection reason) => reason switch
    {
        CodeRejection.Expired => "The authorization code has expired.",
        CodeRejection.RedirectUriMismatch => "redirect_uri does not match the authorization request.",
        CodeRejection.PkceFailed => "code_verifier does not match the code_challenge.",
        CodeRejection.ClientMismatch => "The authorization code was issued to another client.",
        _ => "The authorization code is not valid.",
    };
}
