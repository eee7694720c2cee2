namespace OAuth2.Actors.Server.Tests;

/// <summary>The authorization_code grant at /oauth/token: one-time codes, PKCE verifier and redirect/client bindings, events.</summary>
public sealed class AuthorizationCodeExchangeTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task AuthorizationCode_used_twice_must_fail_and_revoke_the_tokens_of_the_first_exchange()
    {
        var (client, code, pkce) = await Host.CodeFor();
        using var first = await Host.ExchangeCode(client, code, pkce.Verifier);
        Assert.False(first.IsError, first.Raw);
        Assert.True(await Host.IsActive(first.AccessToken!));

        using var second = await Host.ExchangeCode(client, code, pkce.Verifier);

        OAuthAssert.Error(second, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await Host.IsActive(first.AccessToken!), "RFC 6749 4.1.2: a replayed code revokes the tokens issued from it.");
        using var refresh = await Host.Refresh(client, first.RefreshToken!);
        OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        await FlowAssert.CodeExpiredEvent(Host, client, "replayed");
    }

    [Fact]
    public async Task AuthorizationCode_redeemed_in_parallel_must_succeed_exactly_once()
    {
        var (client, code, pkce) = await Host.CodeFor();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Host.ExchangeCode(client, code, pkce.Verifier))));
        try
        {
            var won = attempts.Where(a => !a.IsError).ToArray();
            Assert.Single(won);
            foreach (var lost in attempts.Where(a => a.IsError))
            {
                OAuthAssert.Error(lost, HttpStatusCode.BadRequest, "invalid_grant");
            }

            // The replays revoke what the code granted: the winner's access token too.
            Assert.False(await Host.IsActive(won[0].AccessToken!), "A replayed code must revoke the access token issued from it.");
        }
        finally
        {
            foreach (var a in attempts)
            {
                a.Dispose();
            }
        }
    }

    [Fact]
    public async Task AuthorizationCode_redeemed_in_parallel_must_leave_no_usable_refresh_token()
    {
        var (client, code, pkce) = await Host.CodeFor();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Host.ExchangeCode(client, code, pkce.Verifier))));
        try
        {
            var won = Assert.Single(attempts, a => !a.IsError);

            // RFC 6749 4.1.2: the replays revoke the grant, whichever finished first.
            using var refresh = await Host.Refresh(client, won.RefreshToken!);
            OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        }
        finally
        {
            foreach (var a in attempts)
            {
                a.Dispose();
            }
        }
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_wrong_code_verifier()
    {
        var (client, code, _) = await Host.CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, Pkce.New().Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_missing_code_verifier()
    {
        var (client, code, _) = await Host.CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, codeVerifier: null);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_the_challenge_itself_as_verifier()
    {
        var (client, code, pkce) = await Host.CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, pkce.Challenge);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_different_redirect_uri()
    {
        var (client, code, pkce) = await Host.CodeFor(redirectUris: [TestHost.RedirectUri, "https://client.example/other"]);

        using var tokens = await Host.ExchangeCode(client, code, pkce.Verifier, redirectUri: "https://client.example/other");

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_another_client()
    {
        var (client, code, pkce) = await Host.CodeFor();
        var other = await Host.RegisterCodeClient();

        using var tokens = await Host.ExchangeCode(other, code, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_binding_failures_must_not_consume_the_code()
    {
        var (client, code, pkce) = await Host.CodeFor();
        var other = await Host.RegisterCodeClient();
        using (var wrong = await Host.ExchangeCode(other, code, pkce.Verifier))
        {
            Assert.True(wrong.IsError);
        }

        using (var wrongVerifier = await Host.ExchangeCode(client, code, Pkce.New().Verifier))
        {
            Assert.True(wrongVerifier.IsError);
        }

        using var tokens = await Host.ExchangeCode(client, code, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_an_unknown_code()
    {
        var client = await Host.RegisterCodeClient();

        using var tokens = await Host.ExchangeCode(client, "not-a-code-0123456789abcdefghijklmnopqrstuvwx", Pkce.New().Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_client_without_the_grant()
    {
        var (_, code, pkce) = await Host.CodeFor();
        var service = await Host.Register("read", name: "Flow service client");

        using var tokens = await Host.ExchangeCode(service with { RedirectUri = TestHost.RedirectUri }, code, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_emit_code_created_validated_and_token_created_events()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);

        var created = await Host.WaitForEventsOfType("authorization_code_created", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal(user.UserId, FlowAssert.Str(created[0], "user_id"));
        Assert.Equal("S256", FlowAssert.Meta(created[0], "code_challenge_method"));
        var validated = await Host.WaitForEventsOfType("authorization_code_validated", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal(user.UserId, FlowAssert.Str(validated[0], "user_id"));
        var token = await Host.WaitForEventsOfType("token_created", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal("authorization_code", FlowAssert.Meta(token[0], "grant_type"));
        Assert.Equal(user.UserId, FlowAssert.Str(token[0], "user_id"));
        var authenticated = await Host.WaitForEventsOfType("user_authenticated", e => FlowAssert.Str(e, "user_id") == user.UserId);
        Assert.Equal("password_form", FlowAssert.Meta(authenticated[0], "method"));

        // The code itself never appears in an event.
        var json = await Host.EventsJson();
        Assert.DoesNotContain(tokens.AccessToken!, json, StringComparison.Ordinal);
        Assert.DoesNotContain(tokens.RefreshToken!, json, StringComparison.Ordinal);
    }
}
