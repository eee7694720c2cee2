namespace OAuth2.Actors.Server.Tests;

/// <summary>The self-service sign-up page (OAUTH2_USER_SIGNUP=true), and that no password ever reaches an event.</summary>
public sealed class BrowserSignUpTests(Fixtures.FlowSignUpFixture fixture) : HostTests<Fixtures.FlowSignUpFixture>(fixture)
{
    [Fact]
    public async Task SignUp_page_must_label_its_fields_and_be_linked_from_the_login_page()
    {
        using var browser = Host.NewBrowser();

        using var page = await browser.Get("/auth/register?returnUrl=" + Uri.EscapeDataString("/oauth/authorize?client_id=a"));
        var html = await FlowAssert.Page(page);

        FlowAssert.Contains(
            html,
            "<label for=\"username\">",
            "<label for=\"password\">",
            "<label for=\"email\">");
        Assert.False(string.IsNullOrEmpty(TestBrowser.Csrf(html)));
        Assert.Equal("/oauth/authorize?client_id=a", TestBrowser.HiddenFields(html).Single(f => f.Key == "returnUrl").Value);

        Assert.Contains("href=\"/auth/register\"", await browser.LoginPageHtml(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignUp_must_create_the_user_and_sign_them_in()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var username = TestHost.NewUsername("signup");
        const string password = "sign-up password 123";
        var pkce = Pkce.New();
        var returnUrl = TestBrowser.AuthorizeQuery(client, pkce, state: "su");

        using var response = await SignUp(browser, username, password, "new@example.com", returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(returnUrl, TestBrowser.Location(response));

        // Signed in: the authorize request goes straight to the consent page.
        var result = await browser.Authorize(client, user: null, pkce, state: "su");
        Assert.True(result.ConsentShown);
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);

        // The account exists for the admin API and for another browser.
        using var get = await Host.Send(HttpMethod.Get, "/admin/api/users/" + username, await Host.AdminToken());
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var json = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal("new@example.com", json.RootElement.GetProperty("email").GetString());
        Assert.Equal(json.RootElement.GetProperty("user_id").GetString(), new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).Subject);
        using var other = Host.NewBrowser();
        using var login = await other.Login(username, password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    [Fact]
    public async Task SignUp_must_refuse_an_existing_username()
    {
        var existing = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using var response = await SignUp(browser, existing.Username.ToUpperInvariant(), "another password 1");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);

        // The existing account keeps its password.
        using var other = Host.NewBrowser();
        using var login = await other.Login(existing.Username, existing.Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    [Theory]
    [InlineData("ab", "long enough password")]
    [InlineData("has space", "long enough password")]
    [InlineData("<script>", "long enough password")]
    [InlineData("valid-name", "short")]
    [InlineData("valid-name", "")]
    [InlineData("", "long enough password")]
    public async Task SignUp_must_refuse_bad_input_with_a_400_page(string username, string password)
    {
        using var browser = Host.NewBrowser();

        using var response = await SignUp(browser, username == "valid-name" ? TestHost.NewUsername("v") : username, password);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        FlowAssert.PageHeaders(response);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("oauth2.session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SignUp_post_without_the_csrf_token_must_answer_400_and_create_nobody()
    {
        var username = TestHost.NewUsername("nocsrf");
        using var browser = Host.NewBrowser();

        using var response = await browser.Http.PostAsync("/auth/register", TestHost.Form(("username", username), ("password", "long enough password")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var get = await Host.Send(HttpMethod.Get, "/admin/api/users/" + username, await Host.AdminToken());
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task SignUp_must_not_follow_an_off_site_return_url()
    {
        using var browser = Host.NewBrowser();

        using var response = await SignUp(browser, TestHost.NewUsername("offsite"), "long enough password", returnUrl: "//evil.example/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/auth/login", TestBrowser.Location(response));
    }

    [Fact]
    public async Task User_events_must_never_contain_a_password()
    {
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["authorization_code", "password", "refresh_token"]);
        var passwords = new List<string>();

        // Admin API.
        var created = await Host.CreateUser(password: "Admin-Created-Pa55word-" + Guid.NewGuid().ToString("N")[..8]);
        passwords.Add(created.Password);

        // Sign-up page.
        var signupPassword = "Sign-Up-Pa55word-" + Guid.NewGuid().ToString("N")[..8];
        passwords.Add(signupPassword);
        var signupName = TestHost.NewUsername("secret");
        using (var browser = Host.NewBrowser())
        using (var signedUp = await SignUp(browser, signupName, signupPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);
        }

        // Login page: success, wrong password, unknown user.
        var wrongForm = "Wrong-Form-Pa55word-" + Guid.NewGuid().ToString("N")[..8];
        var unknownForm = "Unknown-Form-Pa55word-" + Guid.NewGuid().ToString("N")[..8];
        passwords.AddRange([wrongForm, unknownForm]);
        using (var browser = Host.NewBrowser())
        {
            using (await browser.Login(created.Username, wrongForm))
            {
            }

            using (await browser.Login("unknown-" + Guid.NewGuid().ToString("N")[..8], unknownForm))
            {
            }

            using var ok = await browser.Login(created.Username, created.Password);
            Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        }

        // Password grant: success, wrong password, unknown user.
        var wrongGrant = "Wrong-Grant-Pa55word-" + Guid.NewGuid().ToString("N")[..8];
        var unknownGrant = "Unknown-Grant-Pa55word-" + Guid.NewGuid().ToString("N")[..8];
        passwords.AddRange([wrongGrant, unknownGrant]);
        using (var grant = await Host.PasswordGrant(client, signupName, signupPassword))
        {
            Assert.False(grant.IsError, grant.Raw);
        }

        using (var wrong = await Host.PasswordGrant(client, signupName, wrongGrant))
        {
            Assert.True(wrong.IsError);
        }

        using (var unknown = await Host.PasswordGrant(client, "unknown-" + Guid.NewGuid().ToString("N")[..8], unknownGrant))
        {
            Assert.True(unknown.IsError);
        }

        // Wait until the last of these events is visible, then scan everything.
        await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Meta(e, "method") == "password_grant" && FlowAssert.Meta(e, "reason") == "unknown_user");
        await Host.WaitForEventsOfType("user_authenticated", e => FlowAssert.Meta(e, "username") == signupName && FlowAssert.Meta(e, "method") == "password_grant");
        var json = await Host.EventsJson();
        foreach (var password in passwords)
        {
            Assert.DoesNotContain(password, json, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(password), json, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("password_hash", json, StringComparison.OrdinalIgnoreCase);
        foreach (var e in await Host.Events())
        {
            Assert.DoesNotContain(e.Event().GetProperty("metadata").EnumerateObject(), m => m.Name.Contains("password", StringComparison.OrdinalIgnoreCase));
        }
    }

    private static async Task<HttpResponseMessage> SignUp(TestBrowser browser, string username, string password, string? email = null, string? returnUrl = null)
    {
        using var page = await browser.Get("/auth/register" + (returnUrl is null ? string.Empty : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var fields = new List<KeyValuePair<string, string>>
        {
            KeyValuePair.Create("__csrf", TestBrowser.Csrf(html)),
            KeyValuePair.Create("username", username),
            KeyValuePair.Create("password", password),
        };
        if (email is not null)
        {
            fields.Add(KeyValuePair.Create("email", email));
        }

        if (returnUrl is not null)
        {
            fields.Add(KeyValuePair.Create("returnUrl", returnUrl));
        }

        return await browser.Http.PostAsync("/auth/register", new FormUrlEncodedContent(fields));
    }
}
