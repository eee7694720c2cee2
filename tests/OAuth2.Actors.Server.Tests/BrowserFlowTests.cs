using System.Diagnostics;
using Xunit.Abstractions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The authorization-code flow in a real browser: headless Chromium driven by Playwright (tests/browser/flow.mjs)
/// against the real server on a Kestrel socket. The script signs in, answers the consent page, and reports the
/// redirect to the client; the test exchanges the code with PKCE through Duende.IdentityModel.
/// Needs node, tests/browser/node_modules (npm ci) and Chromium (.ci/services/browser.sh installs both): skipped
/// without them, except under CI=true where that is a failure.
/// </summary>
public sealed class BrowserFlowTests(Fixtures.FlowKestrelFixture fixture, ITestOutputHelper output) : HostTests<Fixtures.FlowKestrelFixture>(fixture)
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(180);

    [SkippableFact]
    public async Task Browser_flow_must_sign_in_show_consent_and_return_a_code_that_exchanges_with_pkce()
    {
        var (user, client) = await UserAndClient("browser", "Browser Test App");
        var pkce = Pkce.New();
        var state = "state-" + Guid.NewGuid().ToString("N");

        var run = await RunFlow(client, user, pkce, state, "allow");

        Assert.True(run.LoginShown, "A fresh browser must be sent to the login page first.");
        Assert.True(run.ConsentShown, "The first authorization for a user and client must show the consent page.");
        Assert.Contains("Browser Test App", run.ConsentText, StringComparison.Ordinal);
        Assert.Contains("read", run.ConsentText, StringComparison.Ordinal);
        Assert.Contains("write", run.ConsentText, StringComparison.Ordinal);
        var response = new AuthorizeResponse(run.FinalUrl);
        Assert.StartsWith(TestHost.RedirectUri + "?", run.FinalUrl, StringComparison.Ordinal);
        Assert.False(response.IsError, run.FinalUrl);
        Assert.Equal(state, response.State);
        Assert.Equal(Host.Issuer, response.Issuer);
        Assert.False(string.IsNullOrEmpty(response.Code));

        using var tokens = await Host.ExchangeCode(client, response.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, $"{tokens.Error} {tokens.Raw}");
        Assert.Equal("Bearer", tokens.TokenType);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.Equal("read write", tokens.Scope);
        Assert.True(await Host.IsActive(tokens.AccessToken!));
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken);
        Assert.Equal(user.UserId, jwt.Subject);
        Assert.Equal(Host.Issuer, jwt.Issuer);
    }

    [SkippableFact]
    public async Task Browser_flow_must_not_show_the_consent_page_again_for_the_same_user_client_and_scopes()
    {
        var (user, client) = await UserAndClient("browser", "Browser Second Run App");

        var first = await RunFlow(client, user, Pkce.New(), "first", "allow");
        Assert.True(first.ConsentShown, "The first run must show the consent page.");

        // A new browser (fresh profile, no cookies): it signs in again, but the consent is remembered by the server.
        var pkce = Pkce.New();
        var second = await RunFlow(client, user, pkce, "second", "allow");

        Assert.True(second.LoginShown, "A new browser has no session and must sign in again.");
        Assert.False(second.ConsentShown, "Consent is remembered per user, client and scope set: no consent page the second time.");
        var response = new AuthorizeResponse(second.FinalUrl);
        Assert.False(response.IsError, second.FinalUrl);
        Assert.Equal("second", response.State);
        Assert.Equal(Host.Issuer, response.Issuer);
        using var tokens = await Host.ExchangeCode(client, response.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, $"{tokens.Error} {tokens.Raw}");
    }

    [SkippableFact]
    public async Task Browser_flow_must_return_access_denied_with_state_and_iss_when_the_user_denies()
    {
        var (user, client) = await UserAndClient("denier", "Browser Denied App");

        var run = await RunFlow(client, user, Pkce.New(), "deny-state", "deny");

        Assert.True(run.ConsentShown);
        var response = new AuthorizeResponse(run.FinalUrl);
        Assert.StartsWith(TestHost.RedirectUri + "?", run.FinalUrl, StringComparison.Ordinal);
        Assert.Equal("access_denied", response.Error);
        Assert.Equal("deny-state", response.State);
        Assert.Equal(Host.Issuer, response.Issuer);
        Assert.Null(response.Code);

        // Denying records no consent: the next request asks again.
        var again = await RunFlow(client, user, Pkce.New(), "after-deny", "allow");
        Assert.True(again.ConsentShown, "A denied request must not be remembered as consent.");
    }

    // ---- running the script ---------------------------------------------------------------------------------------

    private sealed record FlowRun(bool Ok, string FinalUrl, bool LoginShown, bool ConsentShown, string ConsentText, string Raw);

    private async Task<FlowRun> RunFlow(RegisteredClient client, TestUser user, Pkce pkce, string state, string decision)
    {
        var authorizeUrl = Host.Issuer + TestBrowser.AuthorizeQuery(client, pkce, scope: "read write", state: state);
        var shots = Path.Combine(Path.GetTempPath(), "oauth2-actors-browser-shots", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryRoot.Value,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[]
                 {
                     Path.Combine("tests", "browser", "flow.mjs"),
                     "--base-url", Host.Issuer,
                     "--authorize-url", authorizeUrl,
                     "--redirect-uri", client.RedirectUri,
                     "--username", user.Username,
                     "--password", user.Password,
                     "--decision", decision,
                     "--screenshots", shots,
                     "--timeout-ms", "90000",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["OAUTH2_TEST_CHROMIUM"] = Chromium;

        int exitCode;
        string outText, errText;
        try
        {
            (exitCode, outText, errText) = await ChildProcess.Run(start, RunDeadline);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"flow.mjs: {e.Message}\nHost log:\n{Host.HostLog()}", e);
        }

        output.WriteLine($"flow.mjs ({decision}) exit {exitCode}: {outText.Trim()}");
        if (errText.Length > 0)
        {
            output.WriteLine("stderr: " + errText.Trim());
        }

        var line = outText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.True(line is not null, $"flow.mjs printed nothing (exit {exitCode}). stderr: {errText}");
        using var json = JsonDocument.Parse(line!);
        var root = json.RootElement;
        Assert.True(exitCode == 0 && root.GetProperty("ok").GetBoolean(), $"flow.mjs failed (exit {exitCode}): {line}\nstderr: {errText}\nHost log:\n{Host.HostLog()}");
        if (root.TryGetProperty("screenshots", out var screenshots))
        {
            foreach (var shot in screenshots.EnumerateObject())
            {
                output.WriteLine($"screenshot {shot.Name}: {shot.Value.GetString()}");
                Assert.True(File.Exists(shot.Value.GetString()), $"The {shot.Name} screenshot was not written.");
            }
        }

        return new FlowRun(
            true,
            root.GetProperty("finalUrl").GetString()!,
            root.GetProperty("loginShown").GetBoolean(),
            root.GetProperty("consentShown").GetBoolean(),
            FlowAssert.Str(root, "consentText") ?? string.Empty,
            line!);
    }

    // ---- prerequisites -----------------------------------------------------------------------------------------------

    private static string Chromium =>
        Environment.GetEnvironmentVariable("OAUTH2_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly Lazy<string> RepositoryRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OAuth2.Actors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"OAuth2.Actors.sln not found above {AppContext.BaseDirectory}.");
    });

    private static readonly Lazy<string?> Missing = new(() =>
    {
        var problems = new List<string>();
        if (!File.Exists(Path.Combine(RepositoryRoot.Value, "tests", "browser", "node_modules", "playwright-core", "package.json")))
        {
            problems.Add("tests/browser/node_modules is missing (run `npm ci` in tests/browser)");
        }

        if (!File.Exists(Chromium))
        {
            problems.Add($"Chromium is missing at {Chromium} (apt-get install chromium, or set OAUTH2_TEST_CHROMIUM)");
        }

        if (!OnPath("node"))
        {
            problems.Add("node is not on PATH");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems) + ". `bash .ci/services/browser.sh start` installs both.";
    });

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    /// <summary>Skips without the browser tooling; under CI=true a missing browser is a failure, never a skip.</summary>
    /// <summary>Skips the test without a browser; otherwise a new user and a new code client for one flow.</summary>
    private async Task<(TestUser User, RegisteredClient Client)> UserAndClient(string usernamePrefix, string clientName)
    {
        RequireBrowser();
        var user = await Host.CreateUser(TestHost.NewUsername(usernamePrefix));
        return (user, await Host.RegisterCodeClient(name: clientName));
    }

    private static void RequireBrowser()
    {
        if (Missing.Value is not { } problem)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("CI=true but the browser tests cannot run: " + problem);
        }

        Skip.If(true, "Browser tests skipped: " + problem);
    }
}
