namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// /oauth/authorize and the authorization_code grant over HTTP (a cookie-keeping HttpClient for the pages,
/// Duende.IdentityModel for the token endpoint): the happy paths, redirect_uri and state handling, and the headers of the pages and redirects.
/// </summary>
public sealed class AuthorizationCodeFlowTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    // ---- the happy paths ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task AuthorizationCode_flow_must_issue_tokens_to_a_public_client_with_pkce()
    {
        using var flow = await Host.NewFlow();
        var (user, client, browser) = flow;
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce, scope: "read");

        Assert.True(result.ConsentShown);
        Assert.Null(result.Error);
        Assert.StartsWith(TestHost.RedirectUri + "?", result.Location, StringComparison.Ordinal);
        Assert.Equal("xyz-state", result.State);
        Assert.Equal(Host.Issuer, result.Issuer);

        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal("read", tokens.Scope);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.True(tokens.HttpResponse!.Headers.CacheControl?.NoStore == true);
        Assert.True(await Host.IsActive(tokens.AccessToken!));
        Assert.Equal(user.UserId, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).Subject);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_issue_tokens_to_a_confidential_client_with_client_secret_basic_and_pkce()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        Assert.NotNull(client.ClientSecret);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce);
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal("read write", tokens.Scope);
        Assert.True(await Host.IsActive(tokens.AccessToken!));
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_confidential_client_with_a_wrong_secret()
    {
        using var flow = await Host.NewFlow(confidential: true);
        var (user, client, browser) = flow;
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);

        using var tokens = await Host.ExchangeCode(client with { ClientSecret = "wrong-secret-0123456789abcdefghijklmnopqrstuv" }, result.Code!, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_omit_redirect_uri_when_the_client_has_exactly_one()
    {
        using var flow = await Host.NewFlow(signedIn: true);
        var (user, client, browser) = flow;
        var pkce = Pkce.New();
        var query = $"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=s1&code_challenge={pkce.Challenge}&code_challenge_method=S256";

        var result = await browser.Authorize(client, user, pkce, query: query);
        Assert.StartsWith(TestHost.RedirectUri + "?", result.Location, StringComparison.Ordinal);

        // Not sent in the request, so it need not be sent at the token endpoint either (RFC 6749 4.1.3).
        using var tokens = await Host.Client.PostAsync("/oauth/token", TestHost.Form(
            ("grant_type", "authorization_code"),
            ("client_id", client.ClientId),
            ("code", result.Code!),
            ("code_verifier", pkce.Verifier)));
        var body = await tokens.Content.ReadAsStringAsync();
        Assert.True(tokens.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("\"access_token\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_require_redirect_uri_when_the_client_has_several()
    {
        var client = await Host.RegisterCodeClient(redirectUris: ["https://client.example/a", "https://client.example/b"]);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=s1&code_challenge={pkce.Challenge}&code_challenge_method=S256");

        await FlowAssert.ErrorPage(response);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_keep_a_query_already_in_the_redirect_uri()
    {
        using var flow = await Host.NewFlow(redirectUris: ["https://client.example/cb?tenant=a%20b"]);
        var (user, client, browser) = flow;
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce, scope: "read");

        Assert.StartsWith("https://client.example/cb?tenant=a%20b&", result.Location, StringComparison.Ordinal);
        Assert.NotNull(result.Code);
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_return_state_untouched()
    {
        using var flow = await Host.NewFlow();
        var (user, client, browser) = flow;
        const string state = "a b&c=d/é?#%";

        var result = await browser.Authorize(client, user, Pkce.New(), state: state);

        Assert.Equal(state, result.State);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_omit_state_when_none_was_sent()
    {
        using var flow = await Host.NewFlow();
        var (user, client, browser) = flow;

        var result = await browser.Authorize(client, user, Pkce.New(), state: null);

        Assert.DoesNotContain("state=", result.Location, StringComparison.Ordinal);
        Assert.Equal(Host.Issuer, result.Issuer);
    }

    // ---- headers ----------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Pages_must_forbid_framing_and_caching()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using (var login = await browser.Get("/auth/login"))
        {
            FlowAssert.PageHeaders(login);
        }

        using (var logout = await browser.Get("/auth/logout"))
        {
            FlowAssert.PageHeaders(logout);
        }

        using (var error = await browser.Get("/oauth/authorize?client_id=nobody"))
        {
            FlowAssert.PageHeaders(error);
        }

        using var redirect = await browser.Get(TestBrowser.AuthorizeQuery(client, pkce: null, state: "h"));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.True(redirect.Headers.CacheControl?.NoStore == true, "The redirect carrying an error or code must not be cached.");
    }

    [Fact]
    public async Task Code_redirect_must_not_be_cached()
    {
        using var flow = await Host.NewFlow();
        var (user, client, browser) = flow;
        await browser.Authorize(client, user, Pkce.New());

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("code=", TestBrowser.Location(response), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore == true);
    }
}
