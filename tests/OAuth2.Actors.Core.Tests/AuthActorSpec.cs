using Akka.Event;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The token endpoint: the shared rules, client authentication, grants (built in and registered), failures.</summary>
public class AuthActorSpec(ITestOutputHelper output) : AuthActorSpecKit(output)
{
    [Theory]
    [InlineData(GrantTypes.Password)]
    [InlineData("implicit")]
    [InlineData("urn:ietf:params:oauth:grant-type:device_code")]
    public async Task AuthActor_must_refuse_unsupported_grant_type_without_asking_the_client(string grantType)
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), (Parameters.GrantType, grantType)), TestActor);

        await this.ExpectOAuthErrorAsync(Errors.UnsupportedGrantType, FailureKind.BadRequest);
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

        auth.Tell(TokenRequest(PresentedAuthorization.None, (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.ClientId, "billing"), (Parameters.ClientSecret, Secret)), TestActor);

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
        await AuthenticateAsync(new ClientAuthenticationFailed("billing", ClientAuthenticationFailure.WrongSecret));

        var error = await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);
        Assert.Equal(AuthChallenge.Basic, error.Challenge);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_failed_post_authentication_without_a_challenge()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(PresentedAuthorization.None, (Parameters.GrantType, GrantTypes.ClientCredentials), (Parameters.ClientId, "billing"), (Parameters.ClientSecret, "wrong")), TestActor);
        await AuthenticateAsync(new ClientAuthenticationFailed("billing", ClientAuthenticationFailure.WrongSecret));

        var error = await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);
        Assert.Null(error.Challenge);
    }

    [Fact]
    public async Task AuthActor_must_refuse_a_request_without_credentials_without_asking_the_client()
    {
        var auth = StartAuth();

        auth.Tell(TokenRequest(PresentedAuthorization.None, (Parameters.GrantType, GrantTypes.ClientCredentials)), TestActor);

        await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);
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

        await this.ExpectOAuthErrorAsync(Errors.TemporarilyUnavailable, FailureKind.Unavailable);
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
        await AuthenticateAsync(new ClientAuthenticationFailed("fast", ClientAuthenticationFailure.WrongSecret));

        Assert.Equal(Errors.InvalidClient, (await fast.ExpectMsgAsync<OAuthError>()).Error);
        await slow.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        slowAsker.Tell(new ClientAuthenticationFailed("slow", ClientAuthenticationFailure.WrongSecret), _clients.Ref);
        Assert.Equal(Errors.InvalidClient, (await slow.ExpectMsgAsync<OAuthError>()).Error);
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
}
