namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// An http issuer on a name that is not loopback: the session cookie is Secure all the same (a browser then keeps it
/// only over https, which is the point), without the <c>__Host-</c> prefix and HSTS, which are for https issuers.
/// (<see cref="BrowserSessionTests"/> checks the loopback case, where it is not Secure.)
/// </summary>
public sealed class BrowserHttpIssuerCookieTests(BrowserHttpIssuerCookieTests.Fixture fixture) : HostTests<BrowserHttpIssuerCookieTests.Fixture>(fixture)
{
    [Fact]
    public async Task Session_cookie_must_be_secure_for_an_http_issuer_that_is_not_loopback()
    {
        var user = await Host.CreateUser();
        using var page = await Host.Client.GetAsync("/auth/login");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, html);
        Assert.False(page.Headers.Contains("Strict-Transport-Security"), "HSTS is for https issuers only.");
        var csrf = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("oauth2.csrf=", StringComparison.Ordinal));

        using var post = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = TestHost.Form(("__csrf", TestBrowser.Csrf(html)), ("username", user.Username), ("password", user.Password)),
        };
        post.Headers.Add("Cookie", csrf[..csrf.IndexOf(';', StringComparison.Ordinal)]);
        using var login = await Host.Client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var session = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("oauth2.session=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("__Host-", session, StringComparison.Ordinal);
    }

    public sealed class Fixture() : TestHostFixture(("OAUTH2_ISSUER", "http://auth.internal.example:8080"));
}
