namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// An https issuer with the server itself on plain http (TLS ends at a proxy, the usual deployment; the in-memory
/// test client talks http too): the pages must still work, the session and CSRF cookies must carry Secure and the
/// <c>__Host-</c> prefix, and every answer tells browsers to use https only (HSTS).
/// </summary>
public sealed class BrowserSecureCookieTests(Fixtures.FlowHttpsIssuerFixture fixture) : HostTests<Fixtures.FlowHttpsIssuerFixture>(fixture)
{
    [Fact]
    public async Task Login_page_must_render_when_the_issuer_is_https_and_tls_ends_at_a_proxy()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/login");
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var page = await Host.Client.SendAsync(request);
        var html = await page.Content.ReadAsStringAsync();

        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
    }

    [Fact]
    public async Task Cookies_must_be_host_prefixed_secure_httponly_and_samesite_when_the_issuer_is_https()
    {
        var user = await Host.CreateUser();

        // No cookie container: a client on http would drop Secure cookies, so they are carried by hand.
        using var get = new HttpRequestMessage(HttpMethod.Get, "/auth/login");
        get.Headers.Add("X-Forwarded-Proto", "https");
        using var page = await Host.Client.SendAsync(get);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        var csrfCookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-oauth2.csrf=", StringComparison.Ordinal));
        HostPrefixed(csrfCookie);
        Assert.Contains("httponly", csrfCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", csrfCookie, StringComparison.OrdinalIgnoreCase);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = TestHost.Form(("__csrf", TestBrowser.Csrf(html)), ("username", user.Username), ("password", user.Password)),
        };
        post.Headers.Add("X-Forwarded-Proto", "https");
        post.Headers.Add("Cookie", csrfCookie[..csrfCookie.IndexOf(';', StringComparison.Ordinal)]);
        using var login = await Host.Client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var session = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-oauth2.session=", StringComparison.Ordinal));
        HostPrefixed(session);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/auth/login")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/oauth/token")]
    public async Task Every_answer_must_carry_hsts_when_the_issuer_is_https(string path)
    {
        using var request = new HttpRequestMessage(path == "/oauth/token" ? HttpMethod.Post : HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await Host.Client.SendAsync(request);

        Assert.True(response.Headers.TryGetValues("Strict-Transport-Security", out var values), $"No HSTS header on {path}");
        var hsts = Assert.Single(values);
        Assert.Contains("max-age=31536000", hsts, StringComparison.Ordinal);
    }

    /// <summary>RFC 6265bis 4.1.3.2: a <c>__Host-</c> cookie is Secure, for path / and without a Domain.</summary>
    private static void HostPrefixed(string setCookie)
    {
        Assert.Contains("; secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", setCookie, StringComparison.OrdinalIgnoreCase);
    }
}
