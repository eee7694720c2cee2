namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_REQUIRE_PKCE=false: confidential clients may go without PKCE; public clients still may not.</summary>
public sealed class AuthorizationCodeOptionalPkceTests(Fixtures.FlowOptionalPkceFixture fixture) : HostTests<Fixtures.FlowOptionalPkceFixture>(fixture)
{
    [Fact]
    public async Task AuthorizationCode_without_pkce_must_work_for_a_confidential_client_when_not_required()
    {
        using var flow = await Host.NewFlow(confidential: true);
        var (user, client, browser) = flow;

        var result = await browser.Authorize(client, user, pkce: null);

        Assert.Null(result.Error);
        Assert.NotNull(result.Code);
        using var tokens = await Host.ExchangeCode(client, result.Code!, codeVerifier: null);
        Assert.False(tokens.IsError, tokens.Raw);
    }

    [Fact]
    public async Task AuthorizationCode_without_pkce_must_refuse_a_verifier_at_the_token_endpoint()
    {
        using var flow = await Host.NewFlow(confidential: true);
        var (user, client, browser) = flow;
        var result = await browser.Authorize(client, user, pkce: null);

        using var tokens = await Host.ExchangeCode(client, result.Code!, Pkce.New().Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_without_pkce_must_still_be_refused_for_a_public_client()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, pkce: null, state: "pub"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var parsed = new AuthorizeResponse(TestBrowser.Location(response)!);
        Assert.Equal("invalid_request", parsed.Error);
        Assert.Equal("pub", parsed.State);
        Assert.Equal(Host.Issuer, parsed.Issuer);
    }

    [Fact]
    public async Task AuthorizationCode_with_pkce_must_still_be_verified_for_a_confidential_client_when_not_required()
    {
        using var flow = await Host.NewFlow(confidential: true);
        var (user, client, browser) = flow;
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);

        using var missing = await Host.ExchangeCode(client, result.Code!, codeVerifier: null);
        using var right = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        OAuthAssert.Error(missing, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(right.IsError, right.Raw);
    }

    [Fact]
    public async Task AuthorizationCode_plain_pkce_must_still_be_refused_when_not_required()
    {
        var client = await Host.RegisterCodeClient(confidential: true);
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "plain", method: "plain"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("invalid_request", new AuthorizeResponse(TestBrowser.Location(response)!).Error);
    }
}
