using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.Token.Grants;

/// <summary>RFC 6749 4.3, only when switched on (OAUTH2_ALLOW_PASSWORD_GRANT): one message for every failure.</summary>
public sealed class PasswordGrant : ITokenGrant
{
    private static readonly OAuthError InvalidCredentials = new(Errors.InvalidGrant, "Invalid username or password.");

    public string GrantType => GrantTypes.Password;

    public IReadOnlyList<string> RequiredParameters { get; } = [Parameters.Username, Parameters.Password];

    public bool IsEnabled(ServerSettings settings) => settings.AllowPasswordGrant;

    public async Task<OAuthReply> Issue(TokenRequestContext context)
    {
        var (username, password) = (context.Form.Get(Parameters.Username)!, context.Form.Get(Parameters.Password)!);
        var client = context.AuthenticatedClient;
        if (client.TokenEndpointAuthMethod == ClientAuthMethods.None)
        {
            // RFC 9700 2.4: a client that cannot keep a secret never handles the user's password (registration refuses
            // it too; this covers clients registered before that rule).
            return new OAuthError(Errors.UnauthorizedClient, "A public client may not use the password grant.");
        }

        if (!ScopePolicy.TryGrant(client, context.Form.Get(Parameters.Scope), out var scope, out var error))
        {
            return error!;
        }

        // RFC 8707 before the password is hashed: a request for a resource the client may not use costs nothing.
        var (target, targetError) = await context.Target(scope);
        if (targetError is not null)
        {
            return targetError;
        }

        if (Usernames.Problem(username) is not null)
        {
            return InvalidCredentials;
        }

        var services = context.Services;
        var reply = await UserSignIn.Authenticate(services, username, password, "password_grant", client.ClientId, context.Request);
        return reply is UserAuthenticated ok
            ? await UserTokens.Issue(context, new UserGrant(ok.User.UserId, ok.User.Username, scope, GrantType, Secrets.NewClientId(), target!.Audiences), ok.User)
            : InvalidCredentials;
    }
}
