namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Reserved scopes (admin, events:*, OAUTH2_RESERVED_SCOPES) reach a user through a user grant (authorization code,
/// password, and their refresh) only when the user holds the role of the same name; the rest of the request is granted
/// and the response's scope says what (RFC 6749 3.3), and nothing left is invalid_scope.
/// </summary>
public sealed class UserRoleScopeTests(UserRoleScopeTests.Fixture fixture) : HostTests<UserRoleScopeTests.Fixture>(fixture)
{
    public const string ConfiguredReservedScope = "payments:approve";

    [Fact]
    public async Task Code_flow_must_not_give_admin_to_a_user_without_the_admin_role()
    {
        var user = await Host.CreateUser();
        var client = await AdminRegisteredCodeClient("read admin");

        using var tokens = await Host.TokensFor(client, user, scope: "read admin");

        Assert.Equal("read", tokens.Scope);
        Assert.DoesNotContain("admin", Scopes(tokens.AccessToken!));
        using var users = await Host.Send(HttpMethod.Get, "/admin/api/users", tokens.AccessToken);
        await FlowAssert.Problem(users, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Code_flow_must_not_show_a_reserved_scope_on_the_consent_page_of_a_user_without_the_role()
    {
        var client = await AdminRegisteredCodeClient("read admin");
        using var browser = await Host.SignedInBrowser();

        var html = await browser.ConsentPage(client, scope: "read admin");

        Assert.Contains("<code>read</code>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<code>admin</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_flow_must_answer_invalid_scope_when_only_reserved_scopes_were_asked_by_a_user_without_the_role()
    {
        var user = await Host.CreateUser();
        var client = await AdminRegisteredCodeClient("read admin events:read");
        using var browser = Host.NewBrowser();

        var result = await browser.Authorize(client, user, Pkce.New(), scope: "admin events:read", state: "reserved");

        Assert.Equal("invalid_scope", result.Error);
        Assert.Equal("reserved", result.State);
        Assert.Null(result.Code);
    }

    [Fact]
    public async Task Code_flow_must_give_admin_to_a_user_holding_the_admin_role()
    {
        var user = await CreateUser("admin");
        var client = await AdminRegisteredCodeClient("read admin events:read");

        using var tokens = await Host.TokensFor(client, user, scope: "read admin events:read");

        Assert.Equal("read admin", tokens.Scope);
        using var users = await Host.Send(HttpMethod.Get, "/admin/api/users", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
    }

    [Fact]
    public async Task Code_flow_must_not_give_admin_to_a_self_registered_user()
    {
        var client = await AdminRegisteredCodeClient("read admin");
        using var browser = Host.NewBrowser();
        var username = TestHost.NewUsername("self");
        using (var signedUp = await SignUp(browser, username, TestHost.DefaultPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);
        }

        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user: null, pkce, scope: "read admin");
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal("read", tokens.Scope);
        using var account = await Host.Send(HttpMethod.Get, $"/admin/api/users/{username}", await Host.AdminToken());
        using var json = JsonDocument.Parse(await account.Content.ReadAsStringAsync());
        Assert.Empty(json.RootElement.GetProperty("roles").EnumerateArray());
    }

    [Fact]
    public async Task Code_exchange_must_drop_a_role_taken_away_after_the_code_was_issued()
    {
        var user = await CreateUser("admin");
        var client = await AdminRegisteredCodeClient("read admin");
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce, scope: "read admin");
        Assert.NotNull(result.Code);

        await SetRoles(user, []);
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal("read", tokens.Scope);
    }

    [Fact]
    public async Task Password_grant_must_not_give_admin_to_a_user_without_the_admin_role()
    {
        var user = await Host.CreateUser();
        var client = await AdminRegisteredPasswordClient("read admin");

        using var narrowed = await Host.PasswordGrant(client, user.Username, user.Password, "read admin");
        using var refused = await Host.PasswordGrant(client, user.Username, user.Password, "admin");
        using var byDefault = await Host.PasswordGrant(client, user.Username, user.Password);

        Assert.False(narrowed.IsError, narrowed.Raw);
        Assert.Equal("read", narrowed.Scope);
        Assert.DoesNotContain("admin", Scopes(narrowed.AccessToken!));
        OAuthAssert.Error(refused, HttpStatusCode.BadRequest, "invalid_scope");
        Assert.False(byDefault.IsError, byDefault.Raw);
        Assert.Equal("read", byDefault.Scope);
    }

    [Fact]
    public async Task Password_grant_must_give_a_reserved_scope_only_for_the_role_of_the_same_name()
    {
        var reader = await CreateUser("events:read");
        var client = await AdminRegisteredPasswordClient("read admin events:read events:ingest");

        using var response = await Host.PasswordGrant(client, reader.Username, reader.Password, "read admin events:read events:ingest");

        Assert.False(response.IsError, response.Raw);
        Assert.Equal("read events:read", response.Scope);
    }

    [Fact]
    public async Task Password_grant_must_treat_a_configured_reserved_scope_like_admin()
    {
        var plain = await Host.CreateUser();
        var approver = await CreateUser(ConfiguredReservedScope);
        var client = await AdminRegisteredPasswordClient($"read {ConfiguredReservedScope}");

        using var refused = await Host.PasswordGrant(client, plain.Username, plain.Password, ConfiguredReservedScope);
        using var granted = await Host.PasswordGrant(client, approver.Username, approver.Password, ConfiguredReservedScope);

        OAuthAssert.Error(refused, HttpStatusCode.BadRequest, "invalid_scope");
        Assert.False(granted.IsError, granted.Raw);
        Assert.Equal(ConfiguredReservedScope, granted.Scope);
    }

    [Fact]
    public async Task Refresh_must_drop_a_reserved_scope_once_the_role_is_taken_away()
    {
        var user = await CreateUser("admin");
        var client = await AdminRegisteredPasswordClient("read admin");
        using var first = await Host.PasswordGrant(client, user.Username, user.Password, "read admin");
        Assert.Equal("read admin", first.Scope);

        await SetRoles(user, []);
        using var refreshed = await Host.Refresh(client, first.RefreshToken!);

        Assert.False(refreshed.IsError, refreshed.Raw);
        Assert.Equal("read", refreshed.Scope);
        Assert.DoesNotContain("admin", Scopes(refreshed.AccessToken!));

        // Given back, the role counts again at the next refresh of the same grant.
        await SetRoles(user, ["admin"]);
        using var again = await Host.Refresh(client, refreshed.RefreshToken!);
        Assert.Equal("read admin", again.Scope);
    }

    [Fact]
    public async Task Client_credentials_must_still_get_the_reserved_scopes_an_admin_registered()
    {
        var service = await Host.RegisterAsAdmin("admin");

        using var token = await Host.RequestToken(service, "admin");

        Assert.False(token.IsError, token.Raw);
        Assert.Equal("admin", token.Scope);
    }

    private static string[] Scopes(string accessToken) =>
        (new JsonWebToken(accessToken).TryGetPayloadValue<string>("scope", out var scope) ? scope : string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private async Task<RegisteredClient> AdminRegisteredCodeClient(string scope) =>
        await Host.RegisterCodeClient(scope: scope, bearer: await Host.AdminToken());

    private async Task<RegisteredClient> AdminRegisteredPasswordClient(string scope) =>
        await Host.RegisterCodeClient(confidential: true, scope: scope, grantTypes: ["password", "refresh_token"], bearer: await Host.AdminToken());

    private async Task<TestUser> CreateUser(params string[] roles)
    {
        var username = TestHost.NewUsername("role");
        using var response = await Host.Send(HttpMethod.Post, "/admin/api/users", await Host.AdminToken(), JsonContent.Create(new { username, password = TestHost.DefaultPassword, roles }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return new TestUser(json.RootElement.GetProperty("user_id").GetString()!, username, TestHost.DefaultPassword);
    }

    private async Task SetRoles(TestUser user, string[] roles)
    {
        using var response = await Host.Send(HttpMethod.Patch, $"/admin/api/users/{user.UserId}", await Host.AdminToken(), JsonContent.Create(new { roles }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> SignUp(TestBrowser browser, string username, string password)
    {
        using var page = await browser.Get("/auth/register");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await browser.Http.PostAsync("/auth/register", TestHost.Form(("__csrf", TestBrowser.Csrf(html)), ("username", username), ("password", password)));
    }

    /// <summary>Password grant and sign-up on, and one more reserved scope.</summary>
    public sealed class Fixture() : TestHostFixture(
        ("OAUTH2_ALLOW_PASSWORD_GRANT", "true"),
        ("OAUTH2_USER_SIGNUP", "true"),
        ("OAUTH2_RESERVED_SCOPES", ConfiguredReservedScope));
}
