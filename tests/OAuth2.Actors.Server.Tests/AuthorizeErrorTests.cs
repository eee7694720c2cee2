namespace OAuth2.Actors.Server.Tests;

/// <summary>The error rules of /oauth/authorize (RFC 6749 4.1.2.1): PKCE, an error page for a bad client or redirect URI, a redirect with state and iss for the rest.</summary>
public sealed class AuthorizeErrorTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task Authorize_must_refuse_plain_pkce_with_a_redirect()
    {
        var client = await Host.RegisterCodeClient();
        var verifier = Pkce.New().Verifier;
        await AssertErrorRedirect($"/oauth/authorize?response_type=code&client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}&state=p1&code_challenge={verifier}&code_challenge_method=plain", "invalid_request", "p1");
    }

    [Fact]
    public async Task Authorize_must_refuse_a_challenge_without_method_because_it_means_plain()
    {
        var client = await Host.RegisterCodeClient();
        await AssertErrorRedirect($"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=p2&code_challenge={Pkce.New().Challenge}", "invalid_request", "p2");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Authorize_must_require_pkce_by_default(bool confidential)
    {
        var client = await Host.RegisterCodeClient(confidential: confidential);
        await AssertErrorRedirect(TestBrowser.AuthorizeQuery(client, pkce: null, state: "nopkce"), "invalid_request", "nopkce");
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789012345678901234567890123456789012+")]
    [InlineData("012345678901234567890123456789012345678901234")]
    public async Task Authorize_must_refuse_a_malformed_s256_challenge(string challenge)
    {
        var client = await Host.RegisterCodeClient();
        await AssertErrorRedirect($"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=bad&code_challenge={Uri.EscapeDataString(challenge)}&code_challenge_method=S256", "invalid_request", "bad");
    }

    // ---- errors about the client or redirect URI: a page, never a redirect -----------------------------------------------

    [Fact]
    public async Task Authorize_must_show_an_error_page_for_an_unknown_client()
    {
        await AssertErrorPage($"/oauth/authorize?response_type=code&client_id=no-such-client&redirect_uri={Uri.EscapeDataString(TestHost.RedirectUri)}&state=s&code_challenge={Pkce.New().Challenge}&code_challenge_method=S256");
    }

    [Fact]
    public async Task Authorize_must_show_an_error_page_without_client_id()
    {
        await AssertErrorPage($"/oauth/authorize?response_type=code&redirect_uri={Uri.EscapeDataString(TestHost.RedirectUri)}");
    }

    [Theory]
    [InlineData("https://evil.example/callback")]
    [InlineData("https://client.example/callback/")]
    [InlineData("https://client.example/callback?x=1")]
    [InlineData("https://CLIENT.example/callback")]
    [InlineData("not a uri")]
    public async Task Authorize_must_show_an_error_page_for_an_unregistered_redirect_uri(string redirectUri)
    {
        var client = await Host.RegisterCodeClient();
        await AssertErrorPage(TestBrowser.AuthorizeQuery(client, Pkce.New(), redirectUri: redirectUri));
    }

    [Fact]
    public async Task Authorize_must_show_an_error_page_for_a_repeated_redirect_uri()
    {
        var client = await Host.RegisterCodeClient();
        await AssertErrorPage(TestBrowser.AuthorizeQuery(client, Pkce.New()) + "&redirect_uri=" + Uri.EscapeDataString(client.RedirectUri));
    }

    [Fact]
    public async Task Authorize_must_show_the_error_page_before_asking_to_sign_in()
    {
        // Signed out, unknown client: no detour through the login page.
        await AssertErrorPage($"/oauth/authorize?response_type=code&client_id=unknown-{Guid.NewGuid():N}&code_challenge={Pkce.New().Challenge}&code_challenge_method=S256");
    }

    // ---- other errors: redirected to the client with state and iss ---------------------------------------------------------

    [Theory]
    [InlineData("token", "unsupported_response_type")]
    [InlineData("code token", "unsupported_response_type")]
    [InlineData("id_token", "unsupported_response_type")]
    public async Task Authorize_must_redirect_unsupported_response_type(string responseType, string error)
    {
        var client = await Host.RegisterCodeClient();
        await AssertErrorRedirect(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "rt", responseType: responseType), error, "rt");
    }

    [Fact]
    public async Task Authorize_must_redirect_invalid_request_without_response_type()
    {
        var client = await Host.RegisterCodeClient();

        await AssertErrorRedirect($"/oauth/authorize?client_id={client.ClientId}&state=nort&code_challenge={Pkce.New().Challenge}&code_challenge_method=S256", "invalid_request", "nort");
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("read delete")]
    [InlineData("read\u0001")]
    public async Task Authorize_must_redirect_invalid_scope_for_a_scope_outside_the_client(string scope)
    {
        var client = await Host.RegisterCodeClient(scope: "read write");
        await AssertErrorRedirect(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: scope, state: "sc"), "invalid_scope", "sc");
    }

    [Fact]
    public async Task Authorize_must_redirect_unauthorized_client_for_a_client_without_the_code_grant()
    {
        // A client with a redirect URI, registered for client_credentials but not for authorization_code.
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["client_credentials"]);
        await AssertErrorRedirect(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "uc"), "unauthorized_client", "uc");
    }

    [Fact]
    public async Task Authorize_must_redirect_invalid_request_for_a_repeated_parameter()
    {
        var client = await Host.RegisterCodeClient();
        await AssertErrorRedirect(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "rep") + "&scope=read&scope=write", "invalid_request", "rep");
    }

    [Fact]
    public async Task Authorize_must_send_a_signed_out_user_to_the_login_page_with_a_local_return_url()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var query = TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "login");

        using var response = await browser.Get(query);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = TestBrowser.Location(response)!;
        Assert.StartsWith("/auth/login?returnUrl=", location, StringComparison.Ordinal);
        var returnUrl = TestBrowser.QueryValue(location, "returnUrl")!;
        Assert.StartsWith("/oauth/authorize?", returnUrl, StringComparison.Ordinal);
        Assert.Equal(client.ClientId, TestBrowser.QueryValue(returnUrl, "client_id"));
        Assert.Equal("login", TestBrowser.QueryValue(returnUrl, "state"));
    }

    /// <summary>GET <paramref name="url"/> in a fresh browser: the error page, never a redirect.</summary>
    private async Task AssertErrorPage(string url)
    {
        using var browser = Host.NewBrowser();
        using var response = await browser.Get(url);
        await FlowAssert.ErrorPage(response);
    }

    /// <summary>GET <paramref name="url"/> in a fresh browser: a redirect to the client with <paramref name="error"/>, <paramref name="state"/> and the issuer.</summary>
    private async Task AssertErrorRedirect(string url, string error, string state)
    {
        using var browser = Host.NewBrowser();
        using var response = await browser.Get(url);
        FlowAssert.ErrorRedirect(response, error, state, Host.Issuer);
    }
}
