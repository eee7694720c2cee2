namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// RFC 9700 4.11.2: /oauth/authorize is no open redirector. A client anyone could register (open registration) has
/// redirect URIs nobody vetted, so errors are shown on the server's page until the signed-in user consented to it.
/// </summary>
public sealed class OpenRedirectorTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string Evil = "https://evil.example/landing";

    [Theory]
    [InlineData("token")]
    [InlineData("code id_token")]
    public async Task Authorize_must_not_redirect_an_error_to_an_openly_registered_client(string responseType)
    {
        var client = await Host.RegisterCodeClient(redirectUris: [Evil], openly: true);
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), responseType: responseType));

        await FlowAssert.ErrorPage(response);
        Assert.Null(TestBrowser.Location(response));
    }

    [Fact]
    public async Task Authorize_must_not_redirect_an_error_to_an_openly_registered_client_the_signed_in_user_never_consented_to()
    {
        var client = await Host.RegisterCodeClient(redirectUris: [Evil], openly: true);
        using var browser = await Host.SignedInBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: "admin"));

        await FlowAssert.ErrorPage(response);
    }

    [Fact]
    public async Task Authorize_must_redirect_errors_to_an_openly_registered_client_once_the_user_consented_to_it()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(openly: true);
        using var browser = Host.NewBrowser();
        var consented = await browser.Authorize(client, user, Pkce.New(), scope: "read");
        Assert.True(consented.ConsentShown);
        Assert.NotNull(consented.Code);

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), responseType: "token", state: "after-consent"));

        FlowAssert.ErrorRedirect(response, "unsupported_response_type", "after-consent", Host.Issuer);
    }

    [Fact]
    public async Task Authorize_must_redirect_errors_to_a_client_registered_by_the_admin()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), responseType: "token", state: "trusted"));

        FlowAssert.ErrorRedirect(response, "unsupported_response_type", "trusted", Host.Issuer);
    }

    [Fact]
    public async Task Authorize_must_redirect_a_denial_to_an_openly_registered_client_since_the_user_chose_it()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(openly: true);
        using var browser = Host.NewBrowser();

        var denied = await browser.Authorize(client, user, Pkce.New(), decision: "deny", state: "no");

        Assert.Equal("access_denied", denied.Error);
    }
}
