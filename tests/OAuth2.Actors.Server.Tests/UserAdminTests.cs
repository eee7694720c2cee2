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
        { "PATCH", Users + "/someone" },
    };

    [Fact]
    public async Task UserAdmin_list_must_search_and_page_in_username_order()
    {
        var prefix = "pager-" + Guid.NewGuid().ToString("N")[..8];
        var names = new[] { prefix + "-c", prefix + "-a", prefix + "-b" };
        foreach (var name in names)
        {
            await Host.CreateUser(name);
        }

        var token = await Host.AdminToken();
        using var first = await Host.Send(HttpMethod.Get, $"/admin/api/users?q={prefix.ToUpperInvariant()}&limit=2", token);
        using var firstJson = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        Assert.Equal(3, firstJson.RootElement.GetProperty("matching").GetInt32());
        var after = firstJson.RootElement.GetProperty("next_after").GetString()!;
        using var second = await Host.Send(HttpMethod.Get, $"/admin/api/users?q={prefix}&limit=2&after={Uri.EscapeDataString(after)}", token);
        using var secondJson = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.False(secondJson.RootElement.TryGetProperty("next_after", out _));
        var listed = firstJson.RootElement.GetProperty("users").EnumerateArray().Concat(secondJson.RootElement.GetProperty("users").EnumerateArray())
            .Select(u => u.GetProperty("username").GetString()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), listed);

        using var bad = await Host.Send(HttpMethod.Get, "/admin/api/users?limit=abc", token);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task UserAdmin_create_must_refuse_the_username_whose_journal_is_the_user_directorys()
    {
        // A user's journal is "user-" + the normalized username, and "user-directory" is the directory's.
        using var response = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username = " Directory ", password = "a-good-password-1" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reserved", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

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
    public async Task UserAdmin_create_must_answer_a_location_that_reads_the_user_by_user_id()
    {
        var username = TestHost.NewUsername("located");

        using var created = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username, password = "created password 1" }));
        var body = await created.Content.ReadAsStringAsync();

        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        var userId = json.RootElement.GetProperty("user_id").GetString()!;
        Assert.NotNull(created.Headers.Location);
        Assert.Equal($"{Host.Issuer}{Users}/{Uri.EscapeDataString(userId)}", created.Headers.Location!.AbsoluteUri);
        using var read = await Host.Send(HttpMethod.Get, created.Headers.Location.PathAndQuery, await Host.AdminToken());
        var readBody = await read.Content.ReadAsStringAsync();
        Assert.True(read.StatusCode == HttpStatusCode.OK, readBody);
        using var readJson = JsonDocument.Parse(readBody);
        Assert.Equal(userId, readJson.RootElement.GetProperty("user_id").GetString());
        Assert.Equal(username, readJson.RootElement.GetProperty("username").GetString());
        Assert.Empty(readJson.RootElement.GetProperty("roles").EnumerateArray());
    }

    [Fact]
    public async Task UserAdmin_roles_must_round_trip_through_create_read_list_and_patch()
    {
        var username = TestHost.NewUsername("roles");
        using var created = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), JsonContent.Create(new { username, password = "created password 1", roles = new[] { "events:read", "admin", "admin" } }));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        var userId = JsonDocument.Parse(body).RootElement.GetProperty("user_id").GetString()!;
        Assert.Equal(["admin", "events:read"], Roles(body));

        Assert.Equal(["admin", "events:read"], Roles(await Read($"{Users}/{userId}")));

        using var patched = await Host.Send(HttpMethod.Patch, $"{Users}/{userId}", await Host.AdminToken(), JsonContent.Create(new { roles = new[] { "auditor" } }));
        var patchedBody = await patched.Content.ReadAsStringAsync();
        Assert.True(patched.StatusCode == HttpStatusCode.OK, patchedBody);
        Assert.Equal(["auditor"], Roles(patchedBody));
        Assert.Equal(["auditor"], Roles(await Read($"{Users}/{username}")));
        using var list = JsonDocument.Parse(await Read(Users));
        var listed = list.RootElement.GetProperty("users").EnumerateArray().Single(u => u.GetProperty("user_id").GetString() == userId);
        Assert.Equal(["auditor"], listed.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());

        using var emptied = await Host.Send(HttpMethod.Patch, $"{Users}/{username}", await Host.AdminToken(), JsonContent.Create(new { roles = Array.Empty<string>() }));
        Assert.Empty(Roles(await emptied.Content.ReadAsStringAsync()));

        // A body without roles changes nothing and answers the user.
        using var nothing = await Host.Send(HttpMethod.Patch, $"{Users}/{userId}", await Host.AdminToken(), new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, nothing.StatusCode);
    }

    [Fact]
    public async Task UserAdmin_must_read_and_delete_a_user_by_user_id_as_well_as_by_username()
    {
        var byId = await Host.CreateUser();
        var byName = await Host.CreateUser();

        Assert.Equal(byId.Username, JsonDocument.Parse(await Read($"{Users}/{byId.UserId}")).RootElement.GetProperty("username").GetString());
        Assert.Equal(byName.UserId, JsonDocument.Parse(await Read($"{Users}/{byName.Username}")).RootElement.GetProperty("user_id").GetString());

        using var deletedById = await Host.Send(HttpMethod.Delete, $"{Users}/{byId.UserId}", await Host.AdminToken());
        using var deletedByName = await Host.Send(HttpMethod.Delete, $"{Users}/{byName.Username}", await Host.AdminToken());
        Assert.Equal(HttpStatusCode.NoContent, deletedById.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deletedByName.StatusCode);

        foreach (var path in new[] { byId.UserId, byId.Username, byName.UserId, byName.Username })
        {
            using var gone = await Host.Send(HttpMethod.Get, $"{Users}/{path}", await Host.AdminToken());
            await FlowAssert.Problem(gone, HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task UserAdmin_user_id_of_a_deleted_user_must_not_reach_a_new_user_of_the_same_name()
    {
        var old = await Host.CreateUser();
        using (var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{old.UserId}", await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var again = await Host.CreateUser(old.Username);

        using var byOldId = await Host.Send(HttpMethod.Patch, $"{Users}/{old.UserId}", await Host.AdminToken(), JsonContent.Create(new { roles = new[] { "admin" } }));
        await FlowAssert.Problem(byOldId, HttpStatusCode.NotFound);
        Assert.Empty(Roles(await Read($"{Users}/{again.UserId}")));
    }

    [Theory]
    [InlineData("{\"roles\":\"admin\"}")]
    [InlineData("{\"roles\":[1]}")]
    [InlineData("{\"roles\":null}")]
    [InlineData("{\"roles\":[\"has space\"]}")]
    [InlineData("{\"roles\":[\"\"]}")]
    [InlineData("{\"roles\":[\"quote\\\"d\"]}")]
    [InlineData("{\"roles\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}")]
    [InlineData("{\"roles\":[\"admin\"],\"username\":\"renamed\"}")]
    [InlineData("{\"password\":\"a new password 1\"}")]
    [InlineData("{\"roles\":[\"a\"],\"roles\":[\"b\"]}")]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("")]
    public async Task UserAdmin_patch_must_answer_400_problem_for_bad_input(string json)
    {
        var user = await Host.CreateUser();

        using var response = await Host.Send(HttpMethod.Patch, $"{Users}/{user.UserId}", await Host.AdminToken(), new StringContent(json, Encoding.UTF8, "application/json"));

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
        Assert.Empty(Roles(await Read($"{Users}/{user.UserId}")));
    }

    [Fact]
    public async Task UserAdmin_patch_must_answer_400_for_more_than_32_roles()
    {
        var user = await Host.CreateUser();
        var roles = Enumerable.Range(0, 33).Select(i => $"role-{i}").ToArray();

        using var response = await Host.Send(HttpMethod.Patch, $"{Users}/{user.UserId}", await Host.AdminToken(), JsonContent.Create(new { roles }));

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("no-such-user-here")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a%01b")]
    public async Task UserAdmin_patch_must_answer_404_problem_for_an_unknown_user(string user)
    {
        using var response = await Host.Send(HttpMethod.Patch, $"{Users}/{user}", await Host.AdminToken(), JsonContent.Create(new { roles = new[] { "admin" } }));

        await FlowAssert.Problem(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"long enough password\",\"roles\":\"admin\"}")]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"long enough password\",\"roles\":[\"has space\"]}")]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"long enough password\",\"roles\":[null]}")]
    [InlineData("{\"username\":\"valid-name\",\"password\":\"long enough password\",\"roles\":[{}]}")]
    public async Task UserAdmin_create_must_answer_400_problem_for_bad_roles(string json)
    {
        json = json.Replace("valid-name", TestHost.NewUsername("v"), StringComparison.Ordinal);

        using var response = await Host.Send(HttpMethod.Post, Users, await Host.AdminToken(), new StringContent(json, Encoding.UTF8, "application/json"));

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
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
    public async Task UserAdmin_delete_must_make_the_users_access_tokens_inactive_and_say_so_in_one_event()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);
        Assert.True(await Host.IsActive(tokens.AccessToken!));

        using var deleted = await Host.Send(HttpMethod.Delete, $"{Users}/{user.Username}", await Host.AdminToken());

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await Host.IsActive(tokens.AccessToken!), "A deleted user's access tokens must be inactive at once.");
        var revoked = await Host.WaitForEventsOfType("token_revoked", e =>
            e.GetProperty("user_id").GetString() == user.UserId && e.GetProperty("metadata").GetProperty("reason").GetString() == "user_deleted");
        Assert.Equal("all", Assert.Single(revoked).GetProperty("metadata").GetProperty("tokens").GetString());
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
        using var response = await Host.Send(new HttpMethod(method), path, bearer: null, method is "POST" or "PATCH" ? JsonContent.Create(new { username = "someone", password = "long enough password" }) : null);

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

        using var response = await Host.Send(new HttpMethod(method), path, token.AccessToken, method is "POST" or "PATCH" ? JsonContent.Create(new { username = TestHost.NewUsername("x"), password = "long enough password" }) : null);

        await FlowAssert.Problem(response, HttpStatusCode.Forbidden);
    }

    private async Task<string> Read(string path)
    {
        using var response = await Host.Send(HttpMethod.Get, path, await Host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    private static string[] Roles(string userJson)
    {
        using var json = JsonDocument.Parse(userJson);
        return json.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray();
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
