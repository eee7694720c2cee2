using System.Text.RegularExpressions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Lockout after OAUTH2_LOCKOUT_MAX_FAILURES (3 here) wrong passwords: the same message as a wrong password.</summary>
public sealed partial class BrowserLockoutTests(Fixtures.FlowLockoutFixture fixture) : HostTests<Fixtures.FlowLockoutFixture>(fixture)
{
    [Fact]
    public async Task Lockout_must_refuse_the_right_password_with_the_same_message_after_max_failures()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        var messages = new List<string>();
        for (var i = 0; i < Fixtures.FlowLockoutFixture.MaxFailures; i++)
        {
            using var wrong = await browser.Login(user.Username, $"wrong password {i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            messages.Add(Alert(await wrong.Content.ReadAsStringAsync()));
        }

        using var right = await browser.Login(user.Username, user.Password);
        var html = await right.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Equal(messages[0], Alert(html));
        Assert.All(messages, m => Assert.Equal(messages[0], m));
        Assert.False(right.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("oauth2.session=", StringComparison.Ordinal)));

        // Events: three bad_password failures, then locked_out; never the password.
        var failures = await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Str(e, "user_id") == user.UserId, count: Fixtures.FlowLockoutFixture.MaxFailures + 1);
        var reasons = failures.OrderBy(e => e.GetProperty("timestamp").GetString(), StringComparer.Ordinal).Select(e => FlowAssert.Meta(e, "reason")).ToArray();
        Assert.Equal(["bad_password", "bad_password", "bad_password", "locked_out"], reasons);
        Assert.All(failures, e => Assert.Equal("password_form", FlowAssert.Meta(e, "method")));
        Assert.All(failures, e => Assert.Equal(user.Username, FlowAssert.Meta(e, "username")));
        var json = await Host.EventsJson();
        Assert.DoesNotContain(user.Password, json, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong password", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lockout_must_also_lock_a_browser_that_never_failed()
    {
        var user = await Host.CreateUser();
        using (var attacker = Host.NewBrowser())
        {
            for (var i = 0; i < Fixtures.FlowLockoutFixture.MaxFailures; i++)
            {
                using var wrong = await attacker.Login(user.Username, $"guess {i} guess");
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }
        }

        using var owner = Host.NewBrowser();
        using var right = await owner.Login(user.Username, user.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
    }

    [Fact]
    public async Task Lockout_must_not_lock_after_fewer_failures_and_a_success_must_reset_the_count()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < Fixtures.FlowLockoutFixture.MaxFailures - 1; i++)
            {
                using var wrong = await browser.Login(user.Username, $"wrong {round} {i} password");
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using var right = await browser.Login(user.Username, user.Password);
            Assert.True(right.StatusCode == HttpStatusCode.Redirect, $"Round {round}: the right password after {Fixtures.FlowLockoutFixture.MaxFailures - 1} failures must sign in.");
        }
    }

    [Fact]
    public async Task Lockout_must_not_lock_other_users()
    {
        var victim = await Host.CreateUser();
        var bystander = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        for (var i = 0; i < Fixtures.FlowLockoutFixture.MaxFailures + 1; i++)
        {
            using var wrong = await browser.Login(victim.Username, $"wrong {i} password");
        }

        using var other = Host.NewBrowser();
        using var right = await other.Login(bystander.Username, bystander.Password);

        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
    }

    private static string Alert(string html)
    {
        var match = AlertRegex().Match(html);
        Assert.True(match.Success, $"No alert on the page: {html}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("<p class=\"error\" role=\"alert\">([^<]*)</p>")]
    private static partial Regex AlertRegex();
}
