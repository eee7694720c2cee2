using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The browser session: sign-out ends it on the server (a kept copy of the cookie signs nobody in), it ends after the
/// idle timeout without use, and at the absolute lifetime however active. The session cookie's clock is a fake one
/// the tests move on (the rest of the server keeps the real clock).
/// </summary>
public sealed class BrowserSessionTests(BrowserSessionTests.Fixture fixture) : HostTests<BrowserSessionTests.Fixture>(fixture)
{
    private const string SessionCookie = "oauth2.session";
    private const string SignedInText = "You are signed in as";

    private readonly FakeTimeProvider _time = fixture.Time;

    [Fact]
    public async Task Session_cookie_kept_from_before_sign_out_must_not_sign_in_again()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        string cookie;
        using (var login = await browser.Login(user.Username, user.Password))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            cookie = SessionCookieOf(login);
        }

        Assert.True(await SignedIn(cookie), "The copied cookie must work before sign-out.");

        await SignOut(browser);

        Assert.False(await SignedIn(cookie), "A copy of the cookie from before sign-out must no longer be a session.");
        using var authorize = await Replay(cookie, TestBrowser.AuthorizeQuery(await Host.RegisterCodeClient(), Pkce.New()));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith("/auth/login", TestBrowser.Location(authorize), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_cookie_must_be_neither_secure_nor_host_prefixed_on_a_loopback_http_issuer()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using var login = await browser.Login(user.Username, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var session = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionCookie + "=", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.False(login.Headers.Contains("Strict-Transport-Security"), "HSTS is for https issuers only.");
    }

    [Fact]
    public async Task Sign_out_must_end_the_users_other_sessions_and_leave_other_users_signed_in()
    {
        var user = await Host.CreateUser();
        var other = await Host.CreateUser();
        using var first = Host.NewBrowser();
        using var second = Host.NewBrowser();
        using var stranger = Host.NewBrowser();
        await first.SignIn(user);
        await second.SignIn(user);
        await stranger.SignIn(other);

        await SignOut(first);

        Assert.DoesNotContain(SignedInText, await second.LoginPageHtml(), StringComparison.Ordinal);
        Assert.Contains(SignedInText, await stranger.LoginPageHtml(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_after_sign_out_must_start_a_working_session()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
        await SignOut(browser);

        await browser.SignIn(user);

        Assert.Contains(SignedInText, await browser.LoginPageHtml(), StringComparison.Ordinal);
        var client = await Host.RegisterCodeClient();
        var result = await browser.Authorize(client, user: null, Pkce.New());
        Assert.NotNull(result.Code);
    }

    [Fact]
    public async Task Session_must_end_at_its_absolute_lifetime_however_active()
    {
        using var browser = await Host.SignedInBrowser();

        // Used every 20 minutes: the idle timeout (30 minutes) never passes, the sliding renewals keep it alive...
        for (var minutes = 20; minutes < Fixture.AbsoluteLifetimeMinutes; minutes += 20)
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            Assert.True(await IsSignedIn(browser), $"The session must still be valid after {minutes} minutes of use.");
        }

        // ...up to the absolute lifetime, and not past it.
        _time.Advance(TimeSpan.FromMinutes(Fixture.AbsoluteLifetimeMinutes % 20 == 0 ? 20 : Fixture.AbsoluteLifetimeMinutes % 20));
        Assert.False(await IsSignedIn(browser), "The session must end at its absolute lifetime.");
    }

    [Fact]
    public async Task Session_must_end_after_the_idle_timeout_without_use()
    {
        using var browser = await Host.SignedInBrowser();
        _time.Advance(TimeSpan.FromMinutes(Fixture.IdleTimeoutMinutes - 5));
        Assert.True(await IsSignedIn(browser));

        _time.Advance(TimeSpan.FromMinutes(Fixture.IdleTimeoutMinutes + 1));

        Assert.False(await IsSignedIn(browser), "A session unused for longer than the idle timeout must end.");
    }

    private static async Task<bool> IsSignedIn(TestBrowser browser) =>
        (await browser.LoginPageHtml()).Contains(SignedInText, StringComparison.Ordinal);

    private static async Task SignOut(TestBrowser browser)
    {
        using var page = await browser.Get("/auth/logout");
        var html = await page.Content.ReadAsStringAsync();
        using var posted = await browser.Http.PostAsync("/auth/logout", TestHost.Form(("__csrf", TestBrowser.Csrf(html))));
        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
    }

    private static string SessionCookieOf(HttpResponseMessage response)
    {
        var header = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionCookie + "=", StringComparison.Ordinal));
        return header[..header.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>Another client (no cookie jar) presenting a copied cookie.</summary>
    private async Task<HttpResponseMessage> Replay(string cookie, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await Host.Client.SendAsync(request);
    }

    private async Task<bool> SignedIn(string cookie)
    {
        using var page = await Replay(cookie, "/auth/login");
        return (await page.Content.ReadAsStringAsync()).Contains(SignedInText, StringComparison.Ordinal);
    }

    /// <summary>A 30-minute idle timeout within a 70-minute absolute lifetime, on a clock the tests move.</summary>
    public sealed class Fixture() : TestHostFixture(
        ("OAUTH2_SESSION_IDLE_TIMEOUT_SECONDS", (IdleTimeoutMinutes * 60).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("OAUTH2_SESSION_ABSOLUTE_LIFETIME_SECONDS", (AbsoluteLifetimeMinutes * 60).ToString(System.Globalization.CultureInfo.InvariantCulture)))
    {
        public const int IdleTimeoutMinutes = 30;
        public const int AbsoluteLifetimeMinutes = 70;

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        protected override Action<IServiceCollection>? Services => services =>
            services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o => o.TimeProvider = Time);
    }
}
