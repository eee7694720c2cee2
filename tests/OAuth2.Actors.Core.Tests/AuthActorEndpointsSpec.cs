using Akka.Event;

namespace OAuth2.Actors.Core.Tests;

/// <summary>Introspection, revocation, the bearer check and registration.</summary>
public class AuthActorEndpointsSpec(ITestOutputHelper output) : AuthActorSpecKit(output)
{
    [Fact]
    public async Task AuthActor_must_forward_introspection_of_a_confidential_client_to_the_token_actor()
    {
        var auth = StartAuth();
        var active = new IntrospectionResult(true, new ActiveToken("jti-1", SpecSupport.Issuer, "billing", "billing", "read", [SpecSupport.Issuer], SpecSupport.Start, SpecSupport.Start.AddMinutes(5)));

        auth.Tell(new IntrospectionEndpointRequest(SpecSupport.Basic("billing", Secret), OAuthParameters.Of((Parameters.Token, "the.jwt.token")), SpecSupport.Context), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client()));
        Assert.Equal("the.jwt.token", (await _tokens.ExpectMsgAsync<IntrospectToken>()).Token);
        _tokens.Reply(active);

        Assert.Equal(active, await ExpectMsgAsync<IntrospectionResult>());
    }

    [Fact]
    public async Task AuthActor_must_refuse_introspection_by_a_public_client()
    {
        var auth = StartAuth();

        auth.Tell(new IntrospectionEndpointRequest(PresentedAuthorization.None, OAuthParameters.Of((Parameters.ClientId, "spa"), (Parameters.Token, "the.jwt.token")), SpecSupport.Context), TestActor);
        var authenticate = await AuthenticateAsync(new ClientAuthenticated(Client("spa", method: ClientAuthMethods.None)));
        Assert.Null(authenticate.Secret);

        await this.ExpectOAuthErrorAsync(Errors.UnauthorizedClient, FailureKind.Unauthenticated);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_revoke_on_behalf_of_the_authenticated_client()
    {
        var auth = StartAuth();

        auth.Tell(new RevocationEndpointRequest(SpecSupport.Basic("billing", Secret), OAuthParameters.Of((Parameters.Token, "the.jwt.token"), (Parameters.TokenTypeHint, TokenTypes.AccessToken)), SpecSupport.Context), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client()));

        var revoke = await _tokens.ExpectMsgAsync<RevokeToken>();
        Assert.Equal(new RevokeToken("the.jwt.token", TokenTypes.AccessToken, "billing", SpecSupport.Context), revoke);
        _tokens.Reply(RevocationAccepted.Instance);
        await ExpectMsgAsync<RevocationAccepted>();
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_revocation_without_token()
    {
        var auth = StartAuth();

        auth.Tell(new RevocationEndpointRequest(SpecSupport.Basic("billing", Secret), OAuthParameters.Empty, SpecSupport.Context), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client()));

        Assert.Equal(Errors.InvalidRequest, (await ExpectMsgAsync<OAuthError>()).Error);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_authorize_a_bearer_token_only_with_a_required_scope()
    {
        var auth = StartAuth();
        var token = new ActiveToken("jti-1", SpecSupport.Issuer, "ops", "ops", "events:read", [SpecSupport.Issuer], SpecSupport.Start, SpecSupport.Start.AddMinutes(5));

        auth.Tell(new AuthorizeBearer(PresentedAuthorization.None, [Scopes.Admin], SpecSupport.Context), TestActor);
        var missing = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InvalidToken, FailureKind.Unauthenticated, AuthChallenge.BearerRequired), (missing.Error, missing.Kind, missing.Challenge));

        auth.Tell(new AuthorizeBearer(PresentedAuthorization.Bearer("the.jwt.token"), [Scopes.Admin], SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(IntrospectionResult.Inactive);
        var inactive = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InvalidToken, FailureKind.Unauthenticated, AuthChallenge.BearerInvalid), (inactive.Error, inactive.Kind, inactive.Challenge));

        auth.Tell(new AuthorizeBearer(PresentedAuthorization.Bearer("the.jwt.token"), [Scopes.Admin], SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(new IntrospectionResult(true, token));
        var insufficient = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InsufficientScope, FailureKind.Forbidden), (insufficient.Error, insufficient.Kind));

        auth.Tell(new AuthorizeBearer(PresentedAuthorization.Bearer("the.jwt.token"), [Scopes.Admin, Scopes.EventsRead], SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(new IntrospectionResult(true, token));
        Assert.Equal(token, (await ExpectMsgAsync<BearerAuthorized>()).Token);
    }

    [Fact]
    public async Task AuthActor_must_require_the_initial_access_token_for_registration_when_closed()
    {
        var auth = StartAuth(SpecSupport.Settings() with { RegistrationInitialAccessToken = "initial-token", RegistrationOpen = false });
        var metadata = new ClientMetadata(Scope: Scopes.Admin);

        auth.Tell(new RegistrationEndpointRequest(PresentedAuthorization.None, metadata, SpecSupport.Context), TestActor);
        var missing = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InvalidToken, FailureKind.Unauthenticated), (missing.Error, missing.Kind));
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        auth.Tell(new RegistrationEndpointRequest(PresentedAuthorization.Bearer("not-the-token"), metadata, SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(IntrospectionResult.Inactive);
        Assert.Equal(Errors.InvalidToken, (await ExpectMsgAsync<OAuthError>()).Error);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        auth.Tell(new RegistrationEndpointRequest(PresentedAuthorization.Bearer("initial-token"), metadata, SpecSupport.Context), TestActor);
        var register = await _clients.ExpectMsgAsync<RegisterClient>();
        Assert.True(register.Privileged);
        Assert.Equal(metadata, register.Metadata);
        var response = new ClientRegistrationSucceeded(new ClientRegistrationResponse(
            register.ClientId, "secret", 0, 0, "rat", $"{SpecSupport.Issuer}/clients/{register.ClientId}", [], [GrantTypes.ClientCredentials], [], ClientAuthMethods.ClientSecretBasic, Scopes.Admin, null));
        _clients.Reply(response);
        // It went through the serializer (serialize-messages): its lists are copies, equal by content.
        Assert.Equivalent(response, await ExpectMsgAsync<ClientRegistrationSucceeded>(), strict: true);
    }

    [Fact]
    public async Task AuthActor_must_register_an_open_registration_as_unprivileged()
    {
        var auth = StartAuth();

        auth.Tell(new RegistrationEndpointRequest(PresentedAuthorization.None, new ClientMetadata(), SpecSupport.Context), TestActor);

        var register = await _clients.ExpectMsgAsync<RegisterClient>();
        Assert.False(register.Privileged);
        Assert.False(string.IsNullOrEmpty(register.ClientId));
        _clients.Reply(new OAuthError(Errors.InvalidClientMetadata, "nope"));
        Assert.Equal(Errors.InvalidClientMetadata, (await ExpectMsgAsync<OAuthError>()).Error);
    }
}
