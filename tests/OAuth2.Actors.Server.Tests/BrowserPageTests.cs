namespace OAuth2.Actors.Server.Tests;

/// <summary>The sign-in and sign-out pages over HTTP: accessible forms, CSRF, local return URLs only, the session cookie.</summary>
public sealed class BrowserPageTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string LoginFailed = "Invalid username or password.";

    [Fact]
    public async Task Login_page_must_label_its_fields_and_carry_a_csrf_token()
    {
        using var browser = Host.NewBrowser();

        using var page = await browser.Get("/auth/login");
        var html = await FlowAssert.Page(page);

        FlowAssert.Contains(
            html,
            "<html lang=\"en\">",
            "<label for=\"username\">",
            "id=\"username\" name=\"username\"",
            "<label for=\"password\">",
            "id=\"password\" name=\"password\"",
            "type=\"password\"",
            "<button type=\"submit\">");
        Assert.False(string.IsNullOrEmpty(TestBrowser.Csrf(html)));

        // No external assets: nothing is loaded from anywhere.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_must_sign_in_with_an_httponly_samesite_lax_session_cookie_and_follow_a_local_return_url()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using var response = await browser.Login(user.Username, user.Password, "/oauth/authorize?client_id=x&state=1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/oauth/authorize?client_id=x&state=1", TestBrowser.Location(response));
        var cookie = SessionCookie(response);
        Assert.NotNull(cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(user.Password, cookie, StringComparison.Ordinal);

        var html = await browser.LoginPageHtml();
        Assert.Contains(user.Username, html, StringComparison.Ordinal);
        Assert.Contains("action=\"/auth/logout\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_must_accept_the_username_in_another_case()
    {
        var user = await Host.CreateUser(TestHost.NewUsername("Mixed"));
        using var browser = Host.NewBrowser();

        using var response = await browser.Login(user.Username.ToUpperInvariant(), user.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/oauth/authorize")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("http:evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/\tevil.example")]
    [InlineData(" //evil.example")]
    [InlineData("evil.example")]
    public async Task Login_must_not_follow_an_off_site_return_url(string returnUrl)
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using (var page = await browser.Get("/auth/login?returnUrl=" + Uri.EscapeDataString(returnUrl)))
        {
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.DoesNotContain("evil", html, StringComparison.Ordinal);
        }

        using var response = await browser.Login(user.Username, user.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = TestBrowser.Location(response)!;
        Assert.Equal("/auth/login", location);
        Assert.DoesNotContain("evil", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_with_a_wrong_password_must_answer_the_generic_message_and_set_no_session()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using var response = await browser.Login(user.Username, "wrong password 123");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        FlowAssert.PageHeaders(response);
        Assert.Contains(LoginFailed, html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Null(SessionCookie(response));
        Assert.DoesNotContain("wrong password 123", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_with_an_unknown_user_must_answer_the_same_message_as_a_wrong_password()
    {
        using var browser = Host.NewBrowser();

        using var unknown = await browser.Login("nobody-" + Guid.NewGuid().ToString("N")[..12], "whatever password");
        var html = await unknown.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains(LoginFailed, html, StringComparison.Ordinal);
        Assert.Null(SessionCookie(unknown));
        var failed = await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Meta(e, "reason") == "unknown_user");
        Assert.Equal("password_form", FlowAssert.Meta(failed[0], "method"));
    }

    [Fact]
    public async Task Login_must_keep_the_local_return_url_after_a_failed_attempt()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using var failed = await browser.Login(user.Username, "wrong password 123", "/oauth/authorize?client_id=abc");
        var html = await failed.Content.ReadAsStringAsync();

        var returnUrl = TestBrowser.HiddenFields(html).Single(f => f.Key == "returnUrl").Value;
        Assert.Equal("/oauth/authorize?client_id=abc", returnUrl);
    }

    [Fact]
    public async Task Login_post_without_the_csrf_token_must_answer_400_and_start_no_session()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        using (await browser.Get("/auth/login"))
        {
        }

        using var response = await browser.Http.PostAsync("/auth/login", TestHost.Form(("username", user.Username), ("password", user.Password), ("returnUrl", "/auth/login")));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        FlowAssert.PageHeaders(response);
        Assert.Null(SessionCookie(response));
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain(user.Password, html, StringComparison.Ordinal);

        // And no session was started behind the scenes.
        Assert.DoesNotContain("action=\"/auth/logout\"", await browser.LoginPageHtml(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_post_with_a_csrf_token_from_another_browser_must_answer_400()
    {
        var user = await Host.CreateUser();
        using var attacker = Host.NewBrowser();
        var token = await attacker.LoginCsrf();
        using var victim = Host.NewBrowser();

        using var response = await victim.Http.PostAsync("/auth/login", TestHost.Form(("__csrf", token), ("username", user.Username), ("password", user.Password)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(SessionCookie(response));
    }

    [Fact]
    public async Task Logout_get_must_show_a_confirmation_and_not_sign_out()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);

        using var page = await browser.Get("/auth/logout");
        var html = await FlowAssert.Page(page);

        Assert.Contains("method=\"post\" action=\"/auth/logout\"", html, StringComparison.Ordinal);
        Assert.Contains(user.Username, html, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(TestBrowser.Csrf(html)));

        // Still signed in.
        Assert.Contains("action=\"/auth/logout\"", await browser.LoginPageHtml(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_post_must_sign_out_and_emit_user_logout()
    {
        using var flow = await Host.NewFlow(signedIn: true);
        var (user, client, browser) = flow;
        using var page = await browser.Get("/auth/logout");
        var csrf = TestBrowser.Csrf(await page.Content.ReadAsStringAsync());

        using var response = await browser.Http.PostAsync("/auth/logout", TestHost.Form(("__csrf", csrf)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        FlowAssert.PageHeaders(response);
        using var authorize = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith("/auth/login?", TestBrowser.Location(authorize), StringComparison.Ordinal);
        var logout = await Host.WaitForEventsOfType("user_logout", e => FlowAssert.Str(e, "user_id") == user.UserId);
        Assert.Single(logout);
    }

    [Fact]
    public async Task Logout_post_without_the_csrf_token_must_answer_400_and_keep_the_session()
    {
        using var browser = await Host.SignedInBrowser();

        using var response = await browser.Http.PostAsync("/auth/logout", TestHost.Form(("x", "y")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("action=\"/auth/logout\"", await browser.LoginPageHtml(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_post_when_signed_out_must_answer_200_and_emit_nothing()
    {
        using var browser = Host.NewBrowser();
        using var page = await browser.Get("/auth/logout");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("not signed in", html, StringComparison.Ordinal);

        using var response = await browser.Http.PostAsync("/auth/logout", TestHost.Form(("__csrf", TestBrowser.Csrf(html))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SignUp_must_be_404_unless_enabled()
    {
        using var browser = Host.NewBrowser();

        using var page = await browser.Get("/auth/register");
        using var post = await browser.Http.PostAsync("/auth/register", TestHost.Form(("username", "someone"), ("password", "long enough password")));

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.DoesNotContain("/auth/register", await browser.LoginPageHtml(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleted_user_must_no_longer_sign_in()
    {
        var user = await Host.CreateUser();
        using var deleted = await Host.Send(HttpMethod.Delete, "/admin/api/users/" + user.Username, await Host.AdminToken());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var browser = Host.NewBrowser();

        using var response = await browser.Login(user.Username, user.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(LoginFailed, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string? SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.FirstOrDefault(v => v.StartsWith("oauth2.session=", StringComparison.Ordinal) && !v.StartsWith("oauth2.session=;", StringComparison.Ordinal))
            : null;
}
