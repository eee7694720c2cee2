using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// After OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES (3 here) wrong passwords a username's next sign-in waits (5 s here,
/// doubling): the same message as a wrong password meanwhile, and the right password works once the wait is over,
/// however many guesses came in between. No one can keep an account locked.
/// </summary>
public sealed partial class SignInBackoffTests(Fixtures.FlowBackoffFixture fixture) : HostTests<Fixtures.FlowBackoffFixture>(fixture)
{
    private const int FreeFailures = Fixtures.FlowBackoffFixture.FreeFailures;

    [Fact]
    public async Task Backoff_must_refuse_the_right_password_with_the_same_message_during_the_wait()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        var messages = new List<string>();
        for (var i = 0; i < FreeFailures; i++)
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

        // Events: three bad_password failures, then backing_off; never the password.
        var failures = await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Str(e, "user_id") == user.UserId, count: FreeFailures + 1);
        var reasons = failures.OrderBy(e => e.GetProperty("timestamp").GetString(), StringComparer.Ordinal).Select(e => FlowAssert.Meta(e, "reason")).ToArray();
        Assert.Equal(["bad_password", "bad_password", "bad_password", "backing_off"], reasons);
        Assert.All(failures, e => Assert.Equal("password_form", FlowAssert.Meta(e, "method")));
        var json = await Host.EventsJson();
        Assert.DoesNotContain(user.Password, json, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong password", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backoff_must_let_the_right_password_in_after_the_wait_however_many_guesses_came_meanwhile()
    {
        var user = await Host.CreateUser();
        using (var attacker = Host.NewBrowser())
        {
            for (var i = 0; i < FreeFailures; i++)
            {
                using var wrong = await attacker.Login(user.Username, $"guess {i} guess");
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            // Guessing on through the wait: refused, and not counted (a lock would be renewed by each of them).
            var guessing = Stopwatch.StartNew();
            for (var i = 0; guessing.Elapsed < Fixtures.FlowBackoffFixture.FirstWait - TimeSpan.FromSeconds(1) || i < 10; i++)
            {
                using var guess = await attacker.Login(user.Username, $"more guesses {i}");
                Assert.Equal(HttpStatusCode.Unauthorized, guess.StatusCode);
            }
        }

        using var owner = Host.NewBrowser();
        await Eventually.Until(
            async () =>
            {
                using var right = await owner.Login(user.Username, user.Password);
                return right.StatusCode == HttpStatusCode.Redirect;
            },
            "the owner's right password is accepted once the first wait is over",
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Backoff_must_not_start_after_fewer_failures_and_a_success_must_reset_the_count()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < FreeFailures - 1; i++)
            {
                using var wrong = await browser.Login(user.Username, $"wrong {round} {i} password");
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using var right = await browser.Login(user.Username, user.Password);
            Assert.True(right.StatusCode == HttpStatusCode.Redirect, $"Round {round}: the right password after {FreeFailures - 1} failures must sign in.");
        }
    }

    [Fact]
    public async Task Backoff_must_not_affect_other_users()
    {
        var victim = await Host.CreateUser();
        var bystander = await Host.CreateUser();
        using var browser = Host.NewBrowser();
        for (var i = 0; i < FreeFailures + 1; i++)
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
