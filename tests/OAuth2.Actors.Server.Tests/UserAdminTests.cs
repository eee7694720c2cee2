namespace OAuth2.Actors.Server.Tests;

/// <summary>The admin user API: /admin/api/users with an admin access token; ProblemDetails errors.</summary>
public sealed class UserAdminTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string Users = "/admin/api/users";

    /// <summary>Every method and path of the user API.</summary>
    public static TheoryData<string, string> UserApiRequests => new()
    {
        { "GET", Users },
        { "POST", Users },
        { "GET", Users + "/someone" },
        { "DELETE", Users + "/someone" },
    };

    [Fact]
    public async Task UserAdmin_create_must_answer_201_with_the_user_and_never_the_password()
    {
        var username = TestHost.NewUsername("admin-made");
        const string password = "created password 1";

        using var response = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username, password, email = "u@example.com" }));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.True(response.Headers.CacheControl?.NoStore == true);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(username, json.RootElement.GetProperty("username").GetString());
        Assert.Equal("u@example.com", json.RootElement.GetProperty("email").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("user_id").GetString()));
        Assert.True(json.RootElement.TryGetProperty("created_at", out _));
        Assert.DoesNotContain(password, body, StringComparison.Ordinal);
        Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hash", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UserAdmin_create_must_answer_409_problem_for_a_duplicate_in_any_case()
    {
        var user = await Host.CreateUser();

        using var same = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username = user.Username, password = "another password" }));
        using var upper = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username = user.Username.ToUpperInvariant(), password = "another password" }));

        await FlowAssert.Problem(same, HttpStatusCode.Conflict);
        await FlowAssert.Problem(upper, HttpStatusCode.Conflict);

        // The original password still works.
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
    }

    [Theory]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"short\"}")]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"\"}")]
    [InlineData("{\"username\":\"valid-name\"}")]
    [InlineData("{\"username\":\"ab\",\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"has space\",\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"bad/slash\",\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"ünïcödé\",\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"password\":\"long enough password\"}")]
    [InlineData("{\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"long enough password\",\"email\":\"not-an-email\"}")]
    [InlineData("{\"username\":123,\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":[\"a\"],\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"valid-name\",\"username\":\"other-name\",\"password\":\"long enough password\"}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"text\"")]
    [InlineData("{")]
    [InlineData("")]
    public async Task UserAdmin_create_must_answer_400_problem_for_bad_input(string json)
    {
        json = json.Replace("valid-name", TestHost.NewUsername("v"), StringComparison.Ordinal);

        using var response = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UserAdmin_create_must_answer_400_for_a_password_longer_than_256()
    {
        using var response = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username = TestHost.NewUsername("long"), password = new string('p', 257) }));

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UserAdmin_list_must_include_created_users_without_secrets()
    {
        var user = await Host.CreateUser();

        using var response = await Host.Send(HttpMethod.Get, Users, await Host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        var listed = json.RootElement.GetProperty("users").EnumerateArray().Single(u => u.GetProperty("username").GetString() == user.Username);
        Assert.Equal(user.UserId, listed.GetProperty("user_id").GetString());
        Assert.DoesNotContain(TestHost.DefaultPassword, body, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UserAdmin_get_must_answer_the_user_by_username_in_any_case()
    {
        var user = await Host.CreateUser();

        using var response = await Host.Send(HttpMethod.Get, $"{Users}/{user.Username.ToUpperInvariant()}", await Host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(user.UserId, json.RootElement.GetProperty("user_id").GetString());
    }

    [Theory]
    [InlineData("no-such-user-here")]
    [InlineData("x")]
    [InlineData("%20")]
    [InlineData("a%01b")]
    public async Task UserAdmin_get_must_answer_404_problem_for_an_unknown_user(string username)
    {
        using var response = await Host.Send(HttpMethod.Get, $"{Users}/{username}", await Host.AdminToken());

        await FlowAssert.Problem(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UserAdmin_delete_must_answer_204_then_404()
    {
        var user = await Host.CreateUser();

        using var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken());
        using var again = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken());
        using var get = await Host.Send(HttpMethod.Get, $"{Users}/{user.Username}", await Host.AdminToken());
        using var list = await Host.Send(HttpMethod.Get, Users, await Host.AdminToken());

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await FlowAssert.Problem(again, HttpStatusCode.NotFound);
        await FlowAssert.Problem(get, HttpStatusCode.NotFound);
        Assert.DoesNotContain(user.Username, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserAdmin_delete_must_make_the_users_access_tokens_inactive()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);
        Assert.True(await Host.IsActive(tokens.AccessToken!));

        using var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken());

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await Host.IsActive(tokens.AccessToken!), "A deleted user's access tokens must be inactive at once.");
    }

    [Fact]
    public async Task UserAdmin_delete_must_make_the_users_refresh_tokens_unusable()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);

        using var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);
        OAuthAssert.Error(refreshed, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task UserAdmin_delete_must_stop_a_signed_in_browser_from_getting_codes()
    {
        using var flow = await Host.NewFlow();
        var (user, client, browser) = flow;
        Assert.True((await browser.Authorize(client, user, Pkce.New())).ConsentShown);

        using (var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // The browser still holds its session cookie; the account behind it is gone.
        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "gone"));
        var location = TestBrowser.Location(response) ?? string.Empty;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // A consent page: answering it must not produce a code either.
            using var posted = await browser.PostConsent(await response.Content.ReadAsStringAsync(), "allow");
            location = TestBrowser.Location(posted) ?? string.Empty;
        }

        Assert.DoesNotContain("code=", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserAdmin_recreated_username_must_get_a_new_identity_and_no_old_consent()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using (var browser = Host.NewBrowser())
        {
            Assert.True((await browser.Authorize(client, user, Pkce.New())).ConsentShown);
        }

        using (var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var again = await Host.CreateUser(user.Username, "a different password");
        Assert.NotEqual(user.UserId, again.UserId);
        using var next = Host.NewBrowser();
        Assert.True((await next.Authorize(client, again, Pkce.New())).ConsentShown, "A new account under an old name must not inherit consent.");
    }

    [Theory]
    [MemberData(nameof(UserApiRequests))]
    public async Task UserAdmin_must_answer_401_without_a_token(string method, string path)
    {
        using var response = await Host.Send(new HttpMethod(method), path, bearer: null, method == "POST" ? JsonContent.Create(new { username = "someone", password = "long enough password" }) : null);

        await FlowAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.First().Scheme);
    }

    [Fact]
    public async Task UserAdmin_must_answer_401_for_an_invalid_token()
    {
        using var response = await Host.Send(HttpMethod.Get, Users, "not-a-token");

        await FlowAssert.Problem(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(UserApiRequests))]
    public async Task UserAdmin_must_answer_403_for_a_token_without_admin_scope(string method, string path)
    {
        var service = await Host.Register("read", name: "Flow service client");
        using var token = await Host.RequestToken(service.ClientId, service.ClientSecret!);
        Assert.False(token.IsError, token.Raw);

        using var response = await Host.Send(new HttpMethod(method), path, token.AccessToken, method == "POST" ? JsonContent.Create(new { username = TestHost.NewUsername("x"), password = "long enough password" }) : null);

        await FlowAssert.Problem(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UserAdmin_must_answer_403_for_a_users_own_access_token()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);

        using var response = await Host.Send(HttpMethod.Get, Users, tokens.AccessToken);

        await FlowAssert.Problem(response, HttpStatusCode.Forbidden);
    }
}
