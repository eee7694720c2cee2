namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// RFC 8707 resource indicators at the token and authorization endpoints: <c>resource</c> sets the access token's
/// <c>aud</c>, limits its scope to what the resource server accepts, and is refused with <c>invalid_target</c> when the
/// client may not use it.
/// </summary>
public sealed class ResourceIndicatorTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private RegisteredClient _client = null!;

    public override async Task InitializeAsync() => _client = await Host.Register(scope: "read write");

    [Fact]
    public async Task A_token_for_a_registered_resource_must_carry_it_as_aud_and_only_the_scopes_it_accepts()
    {
        var (resource, _) = await ResourceServers.NewResourceServer(Host, "read", "payments");

        using var response = await ResourceServers.Token(Host, _client, scope: null, resource);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal("read", response.Scope);
        Assert.Equal([resource], ResourceServers.Audiences(response.AccessToken!));
        Assert.Equal("read", new JsonWebToken(response.AccessToken!).GetPayloadValue<string>("scope"));
    }

    [Fact]
    public async Task A_token_requested_with_scopes_must_keep_only_those_the_resource_accepts()
    {
        var (resource, _) = await ResourceServers.NewResourceServer(Host, "write");

        using var response = await ResourceServers.Token(Host, _client, scope: "read write", resource);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal("write", response.Scope);
    }

    [Fact]
    public async Task A_token_for_two_resources_must_name_both_in_aud()
    {
        var (first, _) = await ResourceServers.NewResourceServer(Host, "read");
        var (second, _) = await ResourceServers.NewResourceServer(Host, "write");

        using var response = await ResourceServers.Token(Host, _client, scope: null, first, second);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal([first, second], ResourceServers.Audiences(response.AccessToken!));
        Assert.Equal("read write", response.Scope);
    }

    [Fact]
    public async Task A_token_without_resource_must_keep_the_default_audience_and_the_scopes()
    {
        using var response = await ResourceServers.Token(Host, _client, scope: null);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal([TestHost.InMemoryIssuer], ResourceServers.Audiences(response.AccessToken!));
        Assert.Equal("read write", response.Scope);
    }

    [Fact]
    public async Task A_token_for_an_unknown_resource_must_answer_invalid_target()
    {
        using var response = await ResourceServers.Token(Host, _client, scope: null, ResourceServers.NewResource("unknown"));

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task A_token_for_a_resource_whose_scopes_the_client_does_not_hold_must_answer_invalid_target()
    {
        var (resource, _) = await ResourceServers.NewResourceServer(Host, "payments:transfer");

        using var response = await ResourceServers.Token(Host, _client, scope: null, resource);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task A_token_whose_requested_scopes_the_resource_does_not_accept_must_answer_invalid_target()
    {
        var (resource, _) = await ResourceServers.NewResourceServer(Host, "write");

        using var response = await ResourceServers.Token(Host, _client, scope: "read", resource);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_target");
    }

    [Theory]
    [InlineData("api.example.test")]
    [InlineData("/relative/path")]
    [InlineData("https://api.example.test/#fragment")]
    [InlineData("https://api.example.test/with space")]
    [InlineData("1http://api.example.test")]
    public async Task A_token_with_a_malformed_resource_must_answer_invalid_target(string resource)
    {
        using var response = await ResourceServers.Token(Host, _client, scope: null, resource);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task A_token_for_another_resource_must_not_open_the_servers_own_admin_api()
    {
        // A resource server that accepts admin: tokens for it say so, but they are not for this server.
        var (resource, _) = await ResourceServers.NewResourceServer(Host, "admin");
        using var response = await ResourceServers.Token(Host, TestHost.Admin, scope: "admin", resource);
        Assert.False(response.IsError, response.Raw);

        using var users = await Host.Send(HttpMethod.Get, "/admin/api/users", response.AccessToken);

        Assert.Equal(HttpStatusCode.Unauthorized, users.StatusCode);
    }

    [Fact]
    public async Task A_token_for_the_issuer_as_resource_must_open_the_servers_own_admin_api()
    {
        using var response = await ResourceServers.Token(Host, TestHost.Admin, scope: "admin", TestHost.InMemoryIssuer);
        Assert.False(response.IsError, response.Raw);

        using var users = await Host.Send(HttpMethod.Get, "/admin/api/users", response.AccessToken);

        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
    }

    [Fact]
    public async Task Refresh_narrowed_to_a_scope_one_granted_resource_does_not_accept_must_leave_that_resource_out_not_fail()
    {
        // A failure after the refresh token rotated would cost the client its grant (the retry would be a reuse).
        var (reader, _) = await ResourceServers.NewResourceServer(Host, "read");
        var (writer, _) = await ResourceServers.NewResourceServer(Host, "write");
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce, scope: "read write", query: WithResources(TestBrowser.AuthorizeQuery(client, pkce, scope: "read write"), reader, writer));
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);

        using var narrowed = await Host.Refresh(client, tokens.RefreshToken!, scope: "read");

        Assert.False(narrowed.IsError, narrowed.Raw);
        Assert.Equal("read", narrowed.Scope);
        Assert.Equal([reader], ResourceServers.Audiences(narrowed.AccessToken!));
        using var next = await Host.Refresh(client, narrowed.RefreshToken!);
        Assert.False(next.IsError, next.Raw);
    }

    [Fact]
    public async Task Authorization_with_a_resource_must_give_tokens_for_it_and_refresh_must_stay_within_it()
    {
        var (resource, introspector) = await ResourceServers.NewResourceServer(Host, "read");
        var (other, _) = await ResourceServers.NewResourceServer(Host, "read");
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce, query: WithResources(TestBrowser.AuthorizeQuery(client, pkce), resource));
        Assert.True(result.Code is not null, result.Location);

        // The token request may not widen the resources of the authorization request.
        using (var widened = await Host.Client.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = Host.TokenEndpoint,
            ClientId = client.ClientId,
            ClientCredentialStyle = client.Style,
            Code = result.Code!,
            RedirectUri = client.RedirectUri,
            CodeVerifier = pkce.Verifier,
            Resource = { other },
        }))
        {
            OAuthAssert.Error(widened, HttpStatusCode.BadRequest, "invalid_target");
        }

        var again = await browser.Authorize(client, user, pkce, query: WithResources(TestBrowser.AuthorizeQuery(client, pkce), resource));
        using var tokens = await Host.ExchangeCode(client, again.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal([resource], ResourceServers.Audiences(tokens.AccessToken!));
        Assert.Equal("read", tokens.Scope);
        using (var introspection = await Host.Introspect(tokens.AccessToken!, introspector))
        {
            Assert.True(introspection.IsActive, introspection.Raw);
        }

        // A refresh for a resource outside the grant is refused before the refresh token rotates: it still works.
        using (var outside = await Host.Client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = Host.TokenEndpoint,
            ClientId = client.ClientId,
            ClientCredentialStyle = client.Style,
            RefreshToken = tokens.RefreshToken!,
            Resource = { other },
        }))
        {
            OAuthAssert.Error(outside, HttpStatusCode.BadRequest, "invalid_target");
        }

        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Raw);
        Assert.Equal([resource], ResourceServers.Audiences(refreshed.AccessToken!));
    }

    [Fact]
    public async Task Authorization_with_an_unknown_resource_must_redirect_back_with_invalid_target()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        // The user has used the client before (a client nobody trusted yet may have its errors shown, not redirected).
        Assert.NotNull((await browser.Authorize(client, user, pkce)).Code);

        var result = await browser.Authorize(client, user, pkce, query: WithResources(TestBrowser.AuthorizeQuery(client, pkce), ResourceServers.NewResource("unknown")));

        Assert.Equal("invalid_target", result.Error);
        Assert.Null(result.Code);
        Assert.Equal("xyz-state", result.State);
    }

    [Fact]
    public async Task Discovery_must_advertise_resource_indicators()
    {
        using var discovery = await Host.Discover();

        Assert.False(discovery.IsError, discovery.Error);
        Assert.True(discovery.Json!.Value.GetProperty("resource_indicators_supported").GetBoolean());
    }

    private static string WithResources(string query, params string[] resources) =>
        query + string.Concat(resources.Select(r => "&resource=" + Uri.EscapeDataString(r)));
}
