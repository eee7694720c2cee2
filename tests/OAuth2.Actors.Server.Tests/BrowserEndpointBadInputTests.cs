namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Bad input on GET /oauth/authorize, the admin user API, RFC 7592 client management and the user grants: a clear
/// 4xx, never a 500. Sign-up and the password grant are on so their endpoints are live.
/// </summary>
public sealed class BrowserEndpointBadInputTests(Fixtures.FlowSignUpFixture fixture) : HostTests<Fixtures.FlowSignUpFixture>(fixture)
{
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
}
