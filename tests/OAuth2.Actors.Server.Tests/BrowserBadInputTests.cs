using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Bad input on every endpoint and form of the browser flows, the admin user API, RFC 7592 client management and the
/// user grants: a clear 4xx, never a 500. Sign-up and the password grant are on so their endpoints are live.
/// </summary>
public sealed class BrowserBadInputTests(FlowSignUpFixture fixture) : IClassFixture<FlowSignUpFixture>
{
    public static readonly TheoryData<string> Forms = new() { "/auth/login", "/oauth/authorize", "/auth/logout", "/auth/register" };

    private TestHost Host => fixture.Host;

    // ---- forms ------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_answer_400_without_a_body(string path)
    {
        using var browser = Host.NewBrowser();

        using var response = await browser.Http.PostAsync(path, content: null);

        await AssertRefused(response);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_answer_400_for_a_wrong_content_type(string path)
    {
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);
        var bodies = new HttpContent[]
        {
            new StringContent($"{{\"__csrf\":\"{csrf}\",\"username\":\"x\"}}", Encoding.UTF8, "application/json"),
            new StringContent($"__csrf={csrf}&username=x", Encoding.UTF8, "text/plain"),
            new MultipartFormDataContent { { new StringContent(csrf), "__csrf" }, { new StringContent("x"), "username" } },
            new ByteArrayContent(Encoding.UTF8.GetBytes($"__csrf={csrf}")),
        };

        foreach (var body in bodies)
        {
            using (body)
            using (var response = await browser.Http.PostAsync(path, body))
            {
                await AssertRefused(response);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_answer_400_for_malformed_bodies(string path)
    {
        using var browser = Host.NewBrowser();
        await CsrfFor(browser);
        var bodies = new[]
        {
            Encoding.UTF8.GetBytes("%%%"),
            Encoding.UTF8.GetBytes("a=%ZZ&b=%"),
            Encoding.UTF8.GetBytes("=&=&&&="),
            Encoding.UTF8.GetBytes("username"),
            new byte[] { 0xff, 0xfe, 0x3d, 0x80, 0x26, 0xc3 },
            new byte[] { 0x00, 0x3d, 0x00 },
        };

        foreach (var bytes in bodies)
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            using var response = await browser.Http.PostAsync(path, content);
            await AssertRefused(response);
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_answer_400_for_a_repeated_field_even_with_a_valid_csrf_token(string path)
    {
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);

        using var twiceCsrf = await browser.Http.PostAsync(path, TestHost.Form(("__csrf", csrf), ("__csrf", csrf), ("username", "someone")));
        using var twiceUser = await browser.Http.PostAsync(path, TestHost.Form(("__csrf", csrf), ("username", "someone"), ("username", "other"), ("password", "x"), ("password", "y")));

        await AssertRefused(twiceCsrf);
        await AssertRefused(twiceUser);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_refuse_an_oversized_body(string path)
    {
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);

        using var response = await browser.Http.PostAsync(path, TestHost.Form(("__csrf", csrf), ("username", new string('u', 200_000)), ("password", "x")));
        var body = await response.Content.ReadAsStringAsync();

        FlowAssert.NotServerError(response, body);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {body}");
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_not_fail_on_more_fields_than_the_form_reader_allows(string path)
    {
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);
        var fields = new List<(string, string)> { ("__csrf", csrf) };
        fields.AddRange(Enumerable.Range(0, 2000).Select(i => ($"f{i}", "1")));

        using var response = await browser.Http.PostAsync(path, TestHost.Form([.. fields]));
        var body = await response.Content.ReadAsStringAsync();

        FlowAssert.NotServerError(response, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_not_fail_on_a_field_name_longer_than_the_form_reader_allows(string path)
    {
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);

        using var response = await browser.Http.PostAsync(path, TestHost.Form(("__csrf", csrf), (new string('k', 3000), "v")));
        var body = await response.Content.ReadAsStringAsync();

        FlowAssert.NotServerError(response, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Login_must_answer_401_for_odd_credentials_with_a_valid_csrf_token()
    {
        using var browser = Host.NewBrowser();
        var cases = new (string Username, string Password)[]
        {
            (string.Empty, string.Empty),
            (new string('u', 5000), "x"),
            ("user", new string('p', 50_000)),
            ("ünïcödé", "pässwörd"),
            ("<script>alert(1)</script>", "x"),
            ("' OR 1=1 --", "' OR 1=1 --"),
        };

        foreach (var (username, password) in cases)
        {
            var csrf = await CsrfFor(browser);
            using var response = await browser.Http.PostAsync("/auth/login", TestHost.Form(("__csrf", csrf), ("username", username), ("password", password)));
            var body = await response.Content.ReadAsStringAsync();
            FlowAssert.NotServerError(response, body);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{username[..Math.Min(20, username.Length)]}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("<script>alert", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Login_must_refuse_nul_characters_without_failing()
    {
        // ASP.NET Core's form reader (used by the CSRF check) refuses NUL characters: a 400, or a 401 if it ever
        // passes them on; never a 500 and never a session.
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);

        using var response = await browser.Http.PostAsync("/auth/login", TestHost.Form(("__csrf", csrf), ("username", "a\u0000b"), ("password", "password\u0000")));
        var body = await response.Content.ReadAsStringAsync();

        FlowAssert.NotServerError(response, body);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{(int)response.StatusCode}: {body}");
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("oauth2.session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Login_must_answer_401_when_fields_are_missing()
    {
        using var browser = Host.NewBrowser();
        var csrf = await CsrfFor(browser);

        using var response = await browser.Http.PostAsync("/auth/login", TestHost.Form(("__csrf", csrf)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Consent_post_must_not_fail_on_tampered_parameters()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: "read"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(TestBrowser.HiddenFields(html), f => f.Key == "scope");
        var tampers = new Func<List<KeyValuePair<string, string>>, List<KeyValuePair<string, string>>>[]
        {
            f => f.Where(kv => kv.Key != "client_id").ToList(),
            f => f.Select(kv => kv.Key == "client_id" ? KeyValuePair.Create(kv.Key, "other-client") : kv).ToList(),
            f => f.Select(kv => kv.Key == "redirect_uri" ? KeyValuePair.Create(kv.Key, "https://evil.example/") : kv).ToList(),
            f => f.Select(kv => kv.Key == "code_challenge" ? KeyValuePair.Create(kv.Key, "x") : kv).ToList(),
            f => f.Select(kv => kv.Key == "scope" ? KeyValuePair.Create(kv.Key, "admin") : kv).ToList(),
            f => [.. f, KeyValuePair.Create("scope", "read")],
            f => f.Where(kv => kv.Key == "__csrf" || kv.Key == "decision").ToList(),
        };

        foreach (var tamper in tampers)
        {
            using var response = await browser.PostConsent(html, "allow", tamper);
            var body = await response.Content.ReadAsStringAsync();
            FlowAssert.NotServerError(response, body);
            var location = TestBrowser.Location(response);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest || (response.StatusCode == HttpStatusCode.Redirect && location!.Contains("error=", StringComparison.Ordinal)), $"{(int)response.StatusCode} {location}: {body}");
            Assert.False(location is not null && location.StartsWith("https://evil.example", StringComparison.Ordinal), "Never redirect to an unregistered URI.");
        }
    }

    // ---- GET /oauth/authorize ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("?")]
    [InlineData("?client_id=")]
    [InlineData("?client_id=%00")]
    [InlineData("?client_id=a%00b&response_type=code")]
    [InlineData("?client_id=%FF%FE")]
    [InlineData("?client_id=..%2F..%2Fetc%2Fpasswd")]
    [InlineData("?client_id=%C3%BC%E2%82%AC")]
    [InlineData("?client_id=a&client_id=b")]
    [InlineData("?client_id=a+b&redirect_uri=%%%")]
    [InlineData("?response_type=code&response_type=token")]
    public async Task Authorize_must_show_an_error_page_for_malformed_requests(string query)
    {
        using var browser = Host.NewBrowser();

        using var response = await browser.Get("/oauth/authorize" + query);
        var body = await response.Content.ReadAsStringAsync();

        FlowAssert.NotServerError(response, body);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {response.Headers.Location}: {body}");
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Authorize_must_show_an_error_page_for_a_very_long_client_id()
    {
        using var browser = Host.NewBrowser();

        using var response = await browser.Get("/oauth/authorize?response_type=code&client_id=" + new string('c', 6000));
        var body = await response.Content.ReadAsStringAsync();

        FlowAssert.NotServerError(response, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Authorize_must_not_fail_on_odd_values_for_a_valid_client()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var basis = $"/oauth/authorize?client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}";
        var queries = new[]
        {
            basis + "&response_type=code&code_challenge_method=S256&code_challenge=" + new string('a', 5000),
            basis + "&response_type=code&code_challenge_method=s256&code_challenge=" + Pkce.New().Challenge,
            basis + "&response_type=code&code_challenge_method=&code_challenge=",
            basis + "&response_type=%00&code_challenge_method=S256&code_challenge=" + Pkce.New().Challenge,
            basis + "&response_type=code&scope=%00%01&code_challenge_method=S256&code_challenge=" + Pkce.New().Challenge,
            basis + "&response_type=code&state=" + new string('s', 3000) + "&code_challenge_method=S256&code_challenge=" + Pkce.New().Challenge,
            basis + "&response_type=code&state=%FF%00%0D%0ASet-Cookie:x=y&code_challenge_method=S256&code_challenge=" + Pkce.New().Challenge,
        };

        foreach (var query in queries)
        {
            using var response = await browser.Get(query);
            var body = await response.Content.ReadAsStringAsync();
            FlowAssert.NotServerError(response, body);
            Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
            Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("x=", StringComparison.Ordinal)), "No header injection through state.");
            if (TestBrowser.Location(response) is { } location && !location.StartsWith("/auth/login", StringComparison.Ordinal))
            {
                Assert.StartsWith(client.RedirectUri + "?", location, StringComparison.Ordinal);
            }
        }
    }

    // ---- admin user API ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task UserAdmin_must_answer_400_for_a_wrong_content_type_or_oversized_or_deep_json()
    {
        var admin = await Host.AdminToken();
        var bodies = new HttpContent[]
        {
            new StringContent("username=a&password=b", Encoding.UTF8, "application/x-www-form-urlencoded"),
            new StringContent("{\"username\":\"someone\",\"password\":\"long enough password\"}", Encoding.UTF8, "text/plain"),
            new ByteArrayContent(Encoding.UTF8.GetBytes("{\"username\":\"someone\",\"password\":\"long enough password\"}")),
            new StringContent("{\"username\":\"someone\",\"password\":\"" + new string('p', 200_000) + "\"}", Encoding.UTF8, "application/json"),
            new StringContent(new string('[', 5000) + new string(']', 5000), Encoding.UTF8, "application/json"),
            new StringContent("{\"username\":\"someone\",\"password\":\"long enough password\"} trailing", Encoding.UTF8, "application/json"),
            new StringContent("{\"username\":\"\\ud800\",\"password\":\"long enough password\"}", Encoding.UTF8, "application/json"),
            new StringContent("{\"username\":1e999,\"password\":\"long enough password\"}", Encoding.UTF8, "application/json"),
            new ByteArrayContent([0xff, 0xfe, 0x00]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };

        foreach (var body in bodies)
        {
            using (body)
            using (var response = await Host.Send(HttpMethod.Post, "/admin/api/users", admin, body))
            {
                var text = await response.Content.ReadAsStringAsync();
                FlowAssert.NotServerError(response, text);
                Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {text}");
            }
        }
    }

    [Fact]
    public async Task UserAdmin_must_not_fail_on_odd_paths_and_methods()
    {
        var admin = await Host.AdminToken();
        var requests = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "/admin/api/users/" + new string('a', 3000)),
            (HttpMethod.Delete, "/admin/api/users/%01"),
            (HttpMethod.Get, "/admin/api/users/%C3%BC"),
            (HttpMethod.Get, "/admin/api/users/..%2F..%2Fadmin"),
            (HttpMethod.Put, "/admin/api/users/someone"),
            (HttpMethod.Patch, "/admin/api/users"),
            (HttpMethod.Delete, "/admin/api/users"),
        };

        foreach (var (method, path) in requests)
        {
            using var response = await Host.Send(method, path, admin);
            var body = await response.Content.ReadAsStringAsync();
            FlowAssert.NotServerError(response, body);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest, $"{method} {path[..Math.Min(60, path.Length)]}: {(int)response.StatusCode}");
        }
    }

    // ---- RFC 7592 --------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ClientManagement_put_must_answer_400_for_invalid_json()
    {
        var client = await Host.RegisterCodeClient(name: "Still me");
        var bodies = new HttpContent[]
        {
            new StringContent("{", Encoding.UTF8, "application/json"),
            new StringContent("[]", Encoding.UTF8, "application/json"),
            new StringContent("null", Encoding.UTF8, "application/json"),
            new StringContent(string.Empty, Encoding.UTF8, "application/json"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\",\"redirect_uris\":\"https://client.example/callback\"}}", Encoding.UTF8, "application/json"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\",\"grant_types\":[1,2]}}", Encoding.UTF8, "application/json"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\",\"client_id\":\"{client.ClientId}\"}}", Encoding.UTF8, "application/json"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\",\"redirect_uris\":[null]}}", Encoding.UTF8, "application/json"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\",\"scope\":\"read\\u0000\"}}", Encoding.UTF8, "application/json"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\",\"client_name\":\"{new string('n', 100_000)}\"}}", Encoding.UTF8, "application/json"),
            new StringContent($"client_id={client.ClientId}", Encoding.UTF8, "application/x-www-form-urlencoded"),
            new StringContent($"{{\"client_id\":\"{client.ClientId}\"}}", Encoding.UTF8, "text/plain"),
        };

        foreach (var body in bodies)
        {
            using (body)
            using (var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, body))
            {
                var text = await response.Content.ReadAsStringAsync();
                FlowAssert.NotServerError(response, text);
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
                OAuthAssert.ErrorBody(text);
            }
        }

        using var get = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        Assert.Contains("Still me", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientManagement_must_not_fail_on_odd_client_ids()
    {
        var client = await Host.RegisterCodeClient();
        var admin = await Host.AdminToken();
        // (A NUL in the path is refused by the in-memory test client itself, so %01 stands in for control characters.)
        var ids = new[] { "%01", new string('i', 3000), "%C3%BC", "..%2F..%2Fregister", "a%20b", "%FF" };

        foreach (var id in ids)
        {
            foreach (var (method, bearer) in new[] { (HttpMethod.Get, client.RegistrationAccessToken), (HttpMethod.Delete, client.RegistrationAccessToken), (HttpMethod.Get, admin), (HttpMethod.Delete, admin) })
            {
                using var response = await Host.Send(method, "/clients/" + id, bearer);
                var body = await response.Content.ReadAsStringAsync();
                FlowAssert.NotServerError(response, body);
                Assert.True((int)response.StatusCode is 400 or 401 or 404, $"{method} /clients/{id[..Math.Min(20, id.Length)]}: {(int)response.StatusCode} {body}");
            }
        }

        using var stillThere = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic abc")]
    [InlineData("bearer x y z")]
    [InlineData("Bearer a.b.c")]
    public async Task ClientManagement_must_answer_401_for_malformed_authorization(string header)
    {
        var client = await Host.RegisterCodeClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, client.RegistrationClientUri);
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await Host.Client.SendAsync(request);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    // ---- token endpoint: the user grants ---------------------------------------------------------------------------------

    [Fact]
    public async Task Token_endpoint_must_not_fail_on_odd_user_grant_parameters()
    {
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["authorization_code", "password", "refresh_token"]);
        var forms = new[]
        {
            new[] { ("grant_type", "authorization_code"), ("code", new string('c', 20_000)), ("redirect_uri", client.RedirectUri), ("code_verifier", Pkce.New().Verifier) },
            new[] { ("grant_type", "authorization_code"), ("code", "x"), ("code_verifier", new string('v', 20_000)) },
            new[] { ("grant_type", "authorization_code"), ("code", "\u0000"), ("redirect_uri", "%%%"), ("code_verifier", "\u00fc") },
            new[] { ("grant_type", "authorization_code"), ("code", "a"), ("code", "b") },
            new[] { ("grant_type", "authorization_code") },
            new[] { ("grant_type", "refresh_token"), ("refresh_token", new string('r', 20_000)) },
            new[] { ("grant_type", "refresh_token"), ("refresh_token", "aaaaaaaaaaaaaaaa." + new string('s', 180)) },
            new[] { ("grant_type", "refresh_token"), ("refresh_token", "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000." + new string('s', 40)) },
            new[] { ("grant_type", "refresh_token"), ("refresh_token", "x"), ("scope", "\u0001") },
            new[] { ("grant_type", "password"), ("username", new string('u', 20_000)), ("password", "x") },
            new[] { ("grant_type", "password"), ("username", "someone"), ("password", new string('p', 40_000)) },
            new[] { ("grant_type", "password"), ("username", "\u0000"), ("password", "\u0000") },
            new[] { ("grant_type", "password"), ("username", "someone"), ("password", "x"), ("scope", "read\u0000") },
        };

        foreach (var form in forms)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = TestHost.Form(form) };
            request.Headers.Authorization = new Duende.IdentityModel.Client.BasicAuthenticationHeaderValue(client.ClientId, client.ClientSecret!);
            using var response = await Host.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            FlowAssert.NotServerError(response, body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{string.Join("&", form.Select(f => f.Item1))}: {(int)response.StatusCode} {body}");
            OAuthAssert.ErrorBody(body);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------------

    /// <summary>A valid CSRF token (and its cookie in the browser) from the login page.</summary>
    private static async Task<string> CsrfFor(TestBrowser browser)
    {
        using var page = await browser.Get("/auth/login");
        return TestBrowser.Csrf(await page.Content.ReadAsStringAsync());
    }

    private static async Task AssertRefused(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        FlowAssert.NotServerError(response, body);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"Expected 400, got {(int)response.StatusCode} {response.Headers.Location}: {body}");
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("oauth2.session=", StringComparison.Ordinal) && !c.StartsWith("oauth2.session=;", StringComparison.Ordinal)));
    }
}
