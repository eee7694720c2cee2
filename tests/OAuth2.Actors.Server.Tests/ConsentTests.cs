namespace OAuth2.Actors.Server.Tests;

/// <summary>The consent page of /oauth/authorize: remembered per user and scope set, HTML-encoded, CSRF-protected.</summary>
public sealed class ConsentTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task Consent_must_be_remembered_for_the_same_or_fewer_scopes_and_asked_again_for_more()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(scope: "read write profile");
        using var browser = Host.NewBrowser();

        var first = await browser.Authorize(client, user, Pkce.New(), scope: "read write");
        Assert.True(first.ConsentShown);

        var same = await browser.Authorize(client, user, Pkce.New(), scope: "write read");
        Assert.False(same.ConsentShown, "The same scope set must not ask again.");
        Assert.NotNull(same.Code);

        var fewer = await browser.Authorize(client, user, Pkce.New(), scope: "read");
        Assert.False(fewer.ConsentShown, "Fewer scopes must not ask again.");
        Assert.NotNull(fewer.Code);

        var more = await browser.Authorize(client, user, Pkce.New(), scope: "read profile");
        Assert.True(more.ConsentShown, "A scope not consented to must ask again.");
        Assert.NotNull(more.Code);
    }

    [Fact]
    public async Task Consent_must_be_remembered_per_user()
    {
        var alice = await Host.CreateUser();
        var bob = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using (var browser = Host.NewBrowser())
        {
            Assert.True((await browser.Authorize(client, alice, Pkce.New())).ConsentShown);
        }

        using var other = Host.NewBrowser();
        Assert.True((await other.Authorize(client, bob, Pkce.New())).ConsentShown, "Another user's consent must not count.");
    }

    [Fact]
    public async Task Consent_page_must_show_the_client_name_and_scopes_html_encoded_with_csrf_and_anti_framing()
    {
        var client = await Host.RegisterCodeClient(name: "<script>alert(1)</script> & Co");
        using var browser = await Host.SignedInBrowser();

        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: "read write"));
        var html = await FlowAssert.Page(page);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        FlowAssert.Contains(
            html,
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co",
            "<code>read</code>",
            "<code>write</code>",
            "name=\"decision\" value=\"allow\"",
            "name=\"decision\" value=\"deny\"");
        Assert.False(string.IsNullOrEmpty(TestBrowser.Csrf(html)));
    }

    [Theory]
    [InlineData("https://client.example/callback", "client.example")]
    [InlineData("https://app.example:8443/oauth/cb?tenant=1", "app.example:8443")]
    [InlineData("http://127.0.0.1:51000/cb", "127.0.0.1:51000")]
    [InlineData("com.example.app:/oauth2redirect", "com.example.app:")]
    public async Task Consent_page_must_show_the_host_the_browser_will_be_sent_to(string redirectUri, string host)
    {
        var client = await Host.RegisterCodeClient(redirectUris: [redirectUri]);
        using var browser = await Host.SignedInBrowser();

        var html = await browser.ConsentPage(client);

        FlowAssert.Contains(html, $"<strong class=\"redirect-host\">{System.Net.WebUtility.HtmlEncode(host)}</strong>", System.Net.WebUtility.HtmlEncode(redirectUri));
    }

    [Fact]
    public async Task Consent_page_must_show_the_redirect_uri_the_request_named_among_several()
    {
        var client = await Host.RegisterCodeClient(redirectUris: ["https://one.example/cb", "https://two.example/cb"]);
        using var browser = await Host.SignedInBrowser();

        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), redirectUri: "https://two.example/cb"));
        var html = await FlowAssert.Page(page);

        FlowAssert.Contains(html, "<strong class=\"redirect-host\">two.example</strong>");
        Assert.DoesNotContain("one.example", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consent_post_must_be_refused_without_the_csrf_token()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = await Host.SignedInBrowser();
        var html = await browser.ConsentPage(client);

        using var posted = await browser.PostConsent(html, "allow", fields => fields.Where(f => f.Key != "__csrf").ToList());

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null(posted.Headers.Location);
        FlowAssert.PageHeaders(posted);
    }

    [Fact]
    public async Task Consent_post_must_be_refused_without_a_session()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = await Host.SignedInBrowser();
        var html = await browser.ConsentPage(client);

        // Another browser (no session, no CSRF cookie) posts the same form: no code is issued.
        using var stranger = Host.NewBrowser();
        using var posted = await stranger.PostConsent(html, "allow");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null(posted.Headers.Location);
    }

    [Fact]
    public async Task Consent_post_with_an_unknown_decision_must_redirect_invalid_request()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = await Host.SignedInBrowser();
        var html = await browser.ConsentPage(client, state: "dec");

        using var posted = await browser.PostConsent(html, "maybe");

        var location = TestBrowser.Location(posted);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var response = new AuthorizeResponse(location!);
        Assert.Equal("invalid_request", response.Error);
        Assert.Equal("dec", response.State);
        Assert.Null(response.Code);
    }
}
