using Akka.Actor;
using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;
using Akka.Event;
using OAuth2.Actors.Auth;
using OAuth2.Actors.Auth.Pipeline;
using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Auth.Token.Grants;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Tokens;
using Xunit;
using Xunit.Abstractions;

namespace OAuth2.Actors.Core.Tests;

public class AuthActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Secret = "s3cret";

    private readonly FakeTimeProvider _time = new(SpecSupport.Start);
    private readonly TestProbe _clients;
    private readonly TestProbe _tokens;
    private readonly TestProbe _events;

    public AuthActorSpec(ITestOutputHelper output)
        : base(SpecSupport.Persistence, output: output)
    {
        _clients = CreateTestProbe("clients");
        _tokens = CreateTestProbe("tokens");
        _events = CreateTestProbe("events");
    }

    private readonly ServerFailures _failures = new();

    private IActorRef StartAuth(ServerSettings? settings = null, params ITokenGrant[] extraGrants)
    {
        var services = new AuthServices(
            settings ?? SpecSupport.Settings(), _time, new EventPublisher(_events.Ref, _time, "spec"), _clients.Ref, _tokens.Ref,
            ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, NoLogger.Instance);
        ITokenGrant[] grants = [new ClientCredentialsGrant(), new AuthorizationCodeGrant(), new RefreshTokenGrant(), new PasswordGrant(), .. extraGrants];
        return Sys.ActorOf(AuthActor.Props(services, new TokenGrants(grants), _failures));
    }

    private static ClientView Client(string clientId = "billing", string scope = "read write", string method = ClientAuthMethods.ClientSecretBasic, params string[] grants) =>
        new(clientId, "Billing", [], grants.Length == 0 ? [GrantTypes.ClientCredentials] : grants, [], method, scope);

    private static TokenEndpointRequest TokenRequest(string? authorization, params (string Key, string Value)[] form) =>
        new(authorization, OAuthParameters.Of(form), SpecSupport.Context);

    /// <summary>Plays the client region: expects the authentication request and answers it.</summary>
    private async Task<AuthenticateClient> AuthenticateAsync(object reply)
    {
        var request = await _clients.ExpectMsgAsync<AuthenticateClient>();
        _clients.Reply(reply);
        return request;
    }

    [Theory]
    [InlineData(GrantTypes.Password)]
    [InlineData("implicit")]
    [InlineData("urn:ietf:params:oauth:grant-type:device_code")]
    public async Task AuthActor_must_refuse_unsupported_grant_type_without_asking_the_client(string grantType)
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, grantType)), TestActor);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.UnsupportedGrantType, error.Error);
        Assert.Equal(FailureKind.BadRequest, error.Kind);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_request_without_grant_type()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.Scope, "read")), TestActor);

        Assert.Equal(Errors.InvalidRequest, (await ExpectMsgAsync<OAuthError>()).Error);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Theory]
    [InlineData(Parameters.GrantType)]
    [InlineData(Parameters.Scope)]
    [InlineData(Parameters.ClientId)]
    public async Task AuthActor_must_refuse_a_repeated_parameter(string repeated)
    {
        var auth = StartAuth();
        var form = new List<(string, string)> { (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.Scope, "read"), (Parameters.ClientId, "billing"), (repeated, "read") };

        auth.Tell(new TokenEndpointRequest(SpecSupport.Basic("billing", Secret), OAuthParameters.Of([.. form]), SpecSupport.Context), TestActor);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.InvalidRequest, error.Error);
        Assert.Contains(repeated, error.Description, StringComparison.Ordinal);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task AuthActor_must_issue_a_token_for_client_credentials()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.Scope, "read")), TestActor);

        var authenticate = await AuthenticateAsync(new ClientAuthenticated(Client()));
        Assert.Equal("billing", authenticate.ClientId);
        Assert.Equal(Secret, authenticate.Secret);
        Assert.Equal(ClientAuthMethods.ClientSecretBasic, authenticate.Method);
        Assert.Equal(SpecSupport.Context, authenticate.Context);

        var issue = await _tokens.ExpectMsgAsync<IssueAccessToken>();
        Assert.Equal("billing", issue.Subject);
        Assert.Equal("billing", issue.ClientId);
        Assert.Equal("read", issue.Scope);
        Assert.Equal(GrantTypes.ClientCredentials, issue.GrantType);
        Assert.Null(issue.UserId);
        _tokens.Reply(new AccessTokenIssued("the.jwt.token", "jti-1", SpecSupport.Start.AddMinutes(5)));

        var issued = await ExpectMsgAsync<TokenIssued>();
        Assert.Equal(new TokenIssued("the.jwt.token", TokenTypes.Bearer, 300, "read", null), issued);
    }

    [Fact]
    public async Task AuthActor_must_grant_the_client_scope_when_none_is_asked()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(null, (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.ClientId, "billing"), (Parameters.ClientSecret, Secret)), TestActor);

        var authenticate = await AuthenticateAsync(new ClientAuthenticated(Client(scope: "read write")));
        Assert.Equal(ClientAuthMethods.ClientSecretPost, authenticate.Method);
        Assert.Equal("read write", (await _tokens.ExpectMsgAsync<IssueAccessToken>()).Scope);
        _tokens.Reply(new AccessTokenIssued("the.jwt.token", "jti-1", SpecSupport.Start.AddMinutes(5)));
        Assert.Equal("read write", (await ExpectMsgAsync<TokenIssued>()).Scope);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("read delete")]
    [InlineData("read \"quoted\"")]
    public async Task AuthActor_must_refuse_scope_outside_the_client_scope(string scope)
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.Scope, scope)), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client(scope: "read write")));

        Assert.Equal(Errors.InvalidScope, (await ExpectMsgAsync<OAuthError>()).Error);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_failed_basic_authentication_with_a_challenge()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", "wrong"), (Parameters.GrantType, GrantTypes.ClientCredentials)), TestActor);
        await AuthenticateAsync(new ClientAuthenticationFailed("billing", "wrong client secret"));

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.InvalidClient, error.Error);
        Assert.Equal(FailureKind.Unauthenticated, error.Kind);
        Assert.Equal(AuthChallenge.Basic, error.Challenge);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_failed_post_authentication_without_a_challenge()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(null, (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.ClientId, "billing"), (Parameters.ClientSecret, "wrong")), TestActor);
        await AuthenticateAsync(new ClientAuthenticationFailed("billing", "wrong client secret"));

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.InvalidClient, error.Error);
        Assert.Equal(FailureKind.Unauthenticated, error.Kind);
        Assert.Null(error.Challenge);
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_request_without_credentials_without_asking_the_client()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(null, (Parameters.GrantType, GrantTypes.ClientCredentials)), TestActor);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.InvalidClient, error.Error);
        Assert.Equal(FailureKind.Unauthenticated, error.Kind);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        var published = await _events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal(EventType.ClientValidated, published.Event.EventType);
        Assert.Equal(Errors.InvalidClient, published.Event.Error);
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_client_not_registered_for_the_grant()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("web", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials)), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client("web", grants: GrantTypes.AuthorizationCode)));

        Assert.Equal(Errors.UnauthorizedClient, (await ExpectMsgAsync<OAuthError>()).Error);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_answer_temporarily_unavailable_when_the_client_region_does_not_answer()
    {
        var auth = StartAuth(SpecSupport.Settings(TimeSpan.FromMilliseconds(200)));

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials)), TestActor);
        await _clients.ExpectMsgAsync<AuthenticateClient>();

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.TemporarilyUnavailable, error.Error);
        Assert.Equal(FailureKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task AuthActor_must_not_let_a_slow_request_hold_up_another()
    {
        var auth = StartAuth();
        var slow = CreateTestProbe("slow-caller");
        var fast = CreateTestProbe("fast-caller");

        auth.Tell(TokenRequest(SpecSupport.Basic("slow", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials)), slow.Ref);
        await _clients.ExpectMsgAsync<AuthenticateClient>(m => m.ClientId == "slow");
        var slowAsker = _clients.LastSender;
        auth.Tell(TokenRequest(SpecSupport.Basic("fast", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials)), fast.Ref);
        await AuthenticateAsync(new ClientAuthenticationFailed("fast", "wrong client secret"));

        Assert.Equal(Errors.InvalidClient, (await fast.ExpectMsgAsync<OAuthError>()).Error);
        await slow.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        slowAsker.Tell(new ClientAuthenticationFailed("slow", "wrong client secret"), _clients.Ref);
        Assert.Equal(Errors.InvalidClient, (await slow.ExpectMsgAsync<OAuthError>()).Error);
    }

    [Fact]
    public async Task AuthActor_must_forward_introspection_of_a_confidential_client_to_the_token_actor()
    {
        var auth = StartAuth();
        var active = new IntrospectionResult(true, new ActiveToken("jti-1", SpecSupport.Issuer, "billing", "billing", "read", SpecSupport.Issuer, SpecSupport.Start, SpecSupport.Start.AddMinutes(5)));

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

        auth.Tell(new IntrospectionEndpointRequest(null, OAuthParameters.Of((Parameters.ClientId, "spa"), (Parameters.Token, "the.jwt.token")), SpecSupport.Context), TestActor);
        var authenticate = await AuthenticateAsync(new ClientAuthenticated(Client("spa", method: ClientAuthMethods.None)));
        Assert.Null(authenticate.Secret);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.UnauthorizedClient, error.Error);
        Assert.Equal(FailureKind.Unauthenticated, error.Kind);
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
    public async Task AuthActor_must_answer_server_error_and_count_it_when_a_step_fails_unexpectedly()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, GrantTypes.ClientCredentials)), TestActor);
        await _clients.ExpectMsgAsync<AuthenticateClient>();
        _clients.Reply(new Status.Failure(new InvalidOperationException("a bug in a neighbour")));

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.ServerError, FailureKind.ServerError), (error.Error, error.Kind));
        Assert.DoesNotContain("a bug", error.Description, StringComparison.Ordinal);
        Assert.Equal(1, _failures.Count);
    }

    [Fact]
    public async Task AuthActor_must_serve_an_extra_grant_type_registered_as_one_handler()
    {
        var settings = SpecSupport.Settings() with { SupportedGrantTypes = new HashSet<string> { GrantTypes.ClientCredentials, EchoGrant.Type } };
        var auth = StartAuth(settings, new EchoGrant());

        auth.Tell(TokenRequest(SpecSupport.Basic("device", Secret), (Parameters.GrantType, EchoGrant.Type), ("echo", "hello")), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client("device", grants: EchoGrant.Type)));

        Assert.Equal(new TokenIssued("echo:device:hello", TokenTypes.Bearer, 60, "read", null), await ExpectMsgAsync<TokenIssued>());
        Assert.Equal(0, _failures.Count);
    }

    [Fact]
    public async Task AuthActor_must_still_require_the_client_to_be_registered_for_an_extra_grant_type()
    {
        var auth = StartAuth(null, new EchoGrant());

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, EchoGrant.Type)), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(Client()));

        Assert.Equal(Errors.UnauthorizedClient, (await ExpectMsgAsync<OAuthError>()).Error);
    }

    /// <summary>An extension grant (RFC 6749 4.5) as a user of the server would add one: one class.</summary>
    private sealed class EchoGrant : ITokenGrant
    {
        public const string Type = "urn:example:params:oauth:grant-type:echo";

        public string GrantType => Type;

        public Task<OAuthReply> Issue(TokenRequestContext context) =>
            Task.FromResult<OAuthReply>(new TokenIssued($"echo:{context.AuthenticatedClient.ClientId}:{context.Form.Get("echo")}", TokenTypes.Bearer, 60, "read", null));
    }

    [Fact]
    public async Task AuthActor_must_authorize_a_bearer_token_only_with_a_required_scope()
    {
        var auth = StartAuth();
        var token = new ActiveToken("jti-1", SpecSupport.Issuer, "ops", "ops", "events:read", SpecSupport.Issuer, SpecSupport.Start, SpecSupport.Start.AddMinutes(5));

        auth.Tell(new AuthorizeBearer(null, [Scopes.Admin], SpecSupport.Context), TestActor);
        var missing = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InvalidToken, FailureKind.Unauthenticated, AuthChallenge.BearerRequired), (missing.Error, missing.Kind, missing.Challenge));

        auth.Tell(new AuthorizeBearer("Bearer the.jwt.token", [Scopes.Admin], SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(IntrospectionResult.Inactive);
        var inactive = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InvalidToken, FailureKind.Unauthenticated, AuthChallenge.BearerInvalid), (inactive.Error, inactive.Kind, inactive.Challenge));

        auth.Tell(new AuthorizeBearer("Bearer the.jwt.token", [Scopes.Admin], SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(new IntrospectionResult(true, token));
        var insufficient = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InsufficientScope, FailureKind.Forbidden), (insufficient.Error, insufficient.Kind));

        auth.Tell(new AuthorizeBearer("Bearer the.jwt.token", [Scopes.Admin, Scopes.EventsRead], SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(new IntrospectionResult(true, token));
        Assert.Equal(token, (await ExpectMsgAsync<BearerAuthorized>()).Token);
    }

    [Fact]
    public async Task AuthActor_must_require_the_initial_access_token_for_registration_when_configured()
    {
        var auth = StartAuth(SpecSupport.Settings() with { RegistrationInitialAccessToken = "initial-token" });
        var metadata = new ClientMetadata(Scope: Scopes.Admin);

        auth.Tell(new RegistrationEndpointRequest(null, metadata, SpecSupport.Context), TestActor);
        var missing = await ExpectMsgAsync<OAuthError>();
        Assert.Equal((Errors.InvalidToken, FailureKind.Unauthenticated), (missing.Error, missing.Kind));
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        auth.Tell(new RegistrationEndpointRequest("Bearer not-the-token", metadata, SpecSupport.Context), TestActor);
        await _tokens.ExpectMsgAsync<IntrospectToken>();
        _tokens.Reply(IntrospectionResult.Inactive);
        Assert.Equal(Errors.InvalidToken, (await ExpectMsgAsync<OAuthError>()).Error);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        auth.Tell(new RegistrationEndpointRequest("Bearer initial-token", metadata, SpecSupport.Context), TestActor);
        var register = await _clients.ExpectMsgAsync<RegisterClient>();
        Assert.True(register.Privileged);
        Assert.Equal(metadata, register.Metadata);
        var response = new ClientRegistrationSucceeded(new ClientRegistrationResponse(
            register.ClientId, "secret", 0, 0, "rat", $"{SpecSupport.Issuer}/clients/{register.ClientId}", [], [GrantTypes.ClientCredentials], [], ClientAuthMethods.ClientSecretBasic, Scopes.Admin, null));
        _clients.Reply(response);
        Assert.Equal(response, await ExpectMsgAsync<ClientRegistrationSucceeded>());
    }

    [Fact]
    public async Task AuthActor_must_register_an_open_registration_as_unprivileged()
    {
        var auth = StartAuth();

        auth.Tell(new RegistrationEndpointRequest(null, new ClientMetadata(), SpecSupport.Context), TestActor);

        var register = await _clients.ExpectMsgAsync<RegisterClient>();
        Assert.False(register.Privileged);
        Assert.False(string.IsNullOrEmpty(register.ClientId));
        _clients.Reply(new OAuthError(Errors.InvalidClientMetadata, "nope"));
        Assert.Equal(Errors.InvalidClientMetadata, (await ExpectMsgAsync<OAuthError>()).Error);
    }
}
