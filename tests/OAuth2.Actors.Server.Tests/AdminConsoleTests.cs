using System.Net;
using System.Text.Json;
using OAuth2.Actors.Server.Tests.Webhooks;
using Xunit.Abstractions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>The webhook suites' server (webhooks on, delivering to a loopback receiver), on a Kestrel socket for the console in a real browser.</summary>
public sealed class ConsoleFixture : WebhookServerFixture
{
    protected override bool Kestrel => true;
}

/// <summary>
/// The admin console in headless Chromium (tests/browser/console.mjs): an admin signs in, watches the live stream while
/// another tab requests tokens, pauses, resumes and replays a sink, rotates a webhook's secret, changes a user's roles and
/// unlocks a user whose sign-ins back off; a user without the admin role gets 403; every page is screenshotted (the paths are in the test output) and passes axe-core with no serious or
/// critical violation, and no page's CSP refuses anything of its own.
/// </summary>
public sealed class AdminConsoleTests(ConsoleFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleFixture>
{
    /// <summary>OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES's default: the failures in a row after which a sign-in waits.</summary>
    private const int FreeFailures = 5;

    private TestHost Host => fixture.Host;

    [SkippableFact]
    public async Task An_admin_must_watch_the_live_stream_act_on_sinks_and_webhooks_and_a_user_without_the_role_must_be_refused()
    {
        BrowserFlowScript.Require();
        var admin = await Host.CreateUser(TestHost.NewUsername("console-admin"), roles: ["admin"]);
        var user = await Host.CreateUser(TestHost.NewUsername("console-user"));
        var locked = await Host.CreateUser(TestHost.NewUsername("console-locked"));
        await WrongPasswords(locked, FreeFailures);
        var client = await Host.Register();
        var toggled = await Host.Register(name: "console toggled client");
        var webhook = await Host.CreateWebhook(fixture.Receiver.Url(WebhookE2E.NewPath("console")));
        var shots = Path.Combine(Path.GetTempPath(), "oauth2-actors-console-shots", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));

        var run = await BrowserFlowScript.RunScript(
            "console.mjs",
            [
                "--base-url", Host.Issuer,
                "--admin-user", admin.Username, "--admin-password", admin.Password,
                "--user", user.Username, "--password", user.Password,
                "--client-id", client.ClientId, "--client-secret", client.ClientSecret!,
                "--sink", "in_memory",
                "--disable-client-id", toggled.ClientId,
                "--webhook-id", webhook.Id,
                "--locked-user", locked.Username,
                "--screenshots", shots,
            ],
            output,
            () => Host.HostLog());

        // The other tab's tokens appeared in the stream: each well within a second of the request.
        var latencies = run.GetProperty("streamLatencyMs").EnumerateArray().Select(l => l.GetInt64()).ToList();
        output.WriteLine($"token request to its row in the live stream: {string.Join(", ", latencies)} ms");
        Assert.Equal(3, latencies.Count);
        Assert.True(latencies.Order().ElementAt(1) <= 1000, $"median {latencies.Order().ElementAt(1)} ms");

        Assert.Equal(403, run.GetProperty("forbiddenStatus").GetInt32());
        Assert.True(run.GetProperty("rotatedSecretShown").GetBoolean(), "The rotated secret was not shown.");
        Assert.True(run.GetProperty("clientToggled").GetBoolean(), "The client was not disabled.");
        Assert.Empty(run.GetProperty("cspViolations").EnumerateArray());
        foreach (var page in run.GetProperty("violations").EnumerateObject())
        {
            Assert.True(page.Value.GetArrayLength() == 0, $"axe-core found serious violations on {page.Name}: {page.Value.GetRawText()}");
        }

        // The users page showed the failures, and none once unlocked; the roles it saved are the user's.
        Assert.StartsWith($"{FreeFailures} failed in a row", run.GetProperty("backoffShown").GetString(), StringComparison.Ordinal);
        Assert.Equal("no failures", run.GetProperty("backoffAfterUnlock").GetString());
        using (var read = await Host.Send(HttpMethod.Get, "/admin/api/users/" + user.UserId, await Host.AdminToken()))
        {
            using var userJson = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
            Assert.Equal(["auditor", "reader"], userJson.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }

        // The unlock forgot the failures: one more wrong password does not make the right one wait (without it, the
        // sixth failure in a row would).
        await WrongPasswords(locked, 1);
        using (var browser = Host.NewBrowser())
        using (var right = await browser.Login(locked.Username, locked.Password))
        {
            // This host's client follows the redirect after sign-in: to the page that names the signed-in user.
            var html = await right.Content.ReadAsStringAsync();
            Assert.True(right.StatusCode == HttpStatusCode.OK, $"Sign-in after the unlock answered {(int)right.StatusCode}: {html}");
            Assert.Contains($"You are signed in as <strong>{locked.Username}</strong>", html, StringComparison.Ordinal);
        }

        // What the browser did happened on the server: the client is disabled (and refused a token, not enabled by the
        // early click), the secret rotated (two secrets now sign) and the sink runs again.
        var change = Assert.Single(await Host.WaitForEventsOfType("client_updated", e => e.GetProperty("client_id").GetString() == toggled.ClientId));
        Assert.Equal("disabled", change.GetProperty("metadata").GetProperty("change").GetString());
        using (var refused = await Host.RequestToken(toggled))
        {
            OAuthAssert.Error(refused, HttpStatusCode.Unauthorized, "invalid_client");
        }
        var view = await Host.GetWebhook(webhook.Id);
        Assert.Equal("active", view.GetProperty("delivery").GetProperty("state").GetString());
        using var sink = await Host.Send(HttpMethod.Get, "/admin/api/sinks/in_memory", await Host.AdminToken());
        using var sinkJson = JsonDocument.Parse(await sink.Content.ReadAsStringAsync());
        Assert.Equal("active", sinkJson.RootElement.GetProperty("state").GetString());
        Assert.True(sinkJson.RootElement.GetProperty("counters").GetProperty("replayed").GetInt64() > 0 || sinkJson.RootElement.GetProperty("replay").ValueKind == JsonValueKind.Object);
    }

    private async Task WrongPasswords(TestUser user, int count)
    {
        using var browser = Host.NewBrowser();
        for (var i = 0; i < count; i++)
        {
            using var wrong = await browser.Login(user.Username, $"wrong password {i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
    }

    [Fact]
    public async Task The_console_must_send_a_signed_out_browser_to_sign_in_and_refuse_an_action_without_a_session()
    {
        // A client of its own that does not follow redirects (the host's Kestrel client does).
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(Host.Issuer + "/") };
        using var page = await http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/auth/login?returnUrl=%2Fadmin", page.Headers.Location?.OriginalString);

        using var action = await http.PostAsync("/admin/sinks/in_memory/pause", TestHost.Form(("x", "y")));
        Assert.Equal(HttpStatusCode.Forbidden, action.StatusCode);

        // An admin access token is for the APIs, not the console's pages.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Host.AdminToken());
        using var withToken = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, withToken.StatusCode);
    }
}
