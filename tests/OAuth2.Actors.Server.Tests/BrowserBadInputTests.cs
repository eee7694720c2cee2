namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Bad input on every form of the browser flows (login, consent, logout, sign-up): a clear 4xx, never a 500. Sign-up and
/// the password grant are on so their endpoints are live.
/// </summary>
public sealed class BrowserBadInputTests(Fixtures.FlowSignUpFixture fixture) : HostTests<Fixtures.FlowSignUpFixture>(fixture)
{
    public static readonly TheoryData<string> Forms = new() { "/auth/login", "/oauth/authorize", "/auth/logout", "/auth/register" };

    // ---- forms ------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_answer_400_without_a_body(string path)
    {
        using var browser = Host.NewBrowser();

        using var response = await browser.Http.PostAsync(path, content: null);

        await FlowAssert.Refused(response);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public Task Forms_must_answer_400_for_a_wrong_content_type(string path) => AssertEachRefused(path, csrf =>
    [
        new StringContent($"{{\"__csrf\":\"{csrf}\",\"username\":\"x\"}}", Encoding.UTF8, "application/json"),
        new StringContent($"__csrf={csrf}&username=x", Encoding.UTF8, "text/plain"),
        new MultipartFormDataContent { { new StringContent(csrf), "__csrf" }, { new StringContent("x"), "username" } },
        new ByteArrayContent(Encoding.UTF8.GetBytes($"__csrf={csrf}")),
    ]);

    [Theory]
    [MemberData(nameof(Forms))]
    public Task Forms_must_answer_400_for_malformed_bodies(string path)
    {
        var bodies = new[]
        {
            Encoding.UTF8.GetBytes("%%%"),
            Encoding.UTF8.GetBytes("a=%ZZ&b=%"),
            Encoding.UTF8.GetBytes("=&=&&&="),
            Encoding.UTF8.GetBytes("username"),
            new byte[] { 0xff, 0xfe, 0x3d, 0x80, 0x26, 0xc3 },
            new byte[] { 0x00, 0x3d, 0x00 },
        };

        return AssertEachRefused(path, _ => bodies.Select(bytes => new ByteArrayContent(bytes)
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") },
        }));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public Task Forms_must_answer_400_for_a_repeated_field_even_with_a_valid_csrf_token(string path) => AssertEachRefused(path, csrf =>
    [
        TestHost.Form(("__csrf", csrf), ("__csrf", csrf), ("username", "someone")),
        TestHost.Form(("__csrf", csrf), ("username", "someone"), ("username", "other"), ("password", "x"), ("password", "y")),
    ]);

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Forms_must_refuse_an_oversized_body(string path)
    {
        using var browser = Host.NewBrowser();
        var csrf = await browser.LoginCsrf();

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
        var csrf = await browser.LoginCsrf();
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
        var csrf = await browser.LoginCsrf();

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
            var csrf = await browser.LoginCsrf();
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
        var csrf = await browser.LoginCsrf();

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
        var csrf = await browser.LoginCsrf();

        using var response = await browser.Http.PostAsync("/auth/login", TestHost.Form(("__csrf", csrf)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Consent_post_must_not_fail_on_tampered_parameters()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = await Host.SignedInBrowser();
        var html = await browser.ConsentPage(client, scope: "read");
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

    /// <summary>
    /// A new browser loads the login page for its session and CSRF token; each body <paramref name="bodies"/> makes
    /// with that token is posted to <paramref name="path"/> in turn and must be refused with a clear 4xx, never a 500.
    /// </summary>
    private async Task AssertEachRefused(string path, Func<string, IEnumerable<HttpContent>> bodies)
    {
        using var browser = Host.NewBrowser();
        var csrf = await browser.LoginCsrf();
        foreach (var body in bodies(csrf))
        {
            using (body)
            using (var response = await browser.Http.PostAsync(path, body))
            {
                await FlowAssert.Refused(response);
            }
        }
    }
}
