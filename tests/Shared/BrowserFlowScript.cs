using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace OAuth2.Actors.Testing;

/// <summary>What tests/browser/flow.mjs reported of one authorization-code flow in Chromium.</summary>
public sealed record BrowserFlowRun(string FinalUrl, bool LoginShown, bool ConsentShown, string ConsentText, string Raw);

/// <summary>
/// Runs the authorization-code flow in a real browser: headless Chromium driven by Playwright (tests/browser/flow.mjs)
/// opens the authorize URL, signs in, answers the consent page and reports the redirect to the client. Needs node,
/// tests/browser/node_modules (npm ci) and Chromium (.ci/services/browser.sh installs them): <see cref="Require"/> skips
/// without them, except under CI=true where that is a failure.
/// </summary>
public static class BrowserFlowScript
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(180);

    public static async Task<BrowserFlowRun> Run(string baseUrl, string authorizeUrl, string redirectUri, TestUser user, string decision, ITestOutputHelper output, Func<string> serverLog)
    {
        var shots = Path.Combine(Path.GetTempPath(), "oauth2-actors-browser-shots", Guid.NewGuid().ToString("N"));
        var root = await RunScript(
            "flow.mjs",
            [
                "--base-url", baseUrl,
                "--authorize-url", authorizeUrl,
                "--redirect-uri", redirectUri,
                "--username", user.Username,
                "--password", user.Password,
                "--decision", decision,
                "--screenshots", shots,
                "--timeout-ms", "90000",
            ],
            output,
            serverLog);
        return new BrowserFlowRun(
            root.GetProperty("finalUrl").GetString()!,
            root.GetProperty("loginShown").GetBoolean(),
            root.GetProperty("consentShown").GetBoolean(),
            root.TryGetProperty("consentText", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : string.Empty,
            root.GetRawText());
    }

    /// <summary>
    /// Runs tests/browser/<paramref name="script"/> with node and returns the JSON line it printed last (<paramref name="arguments"/> are option and value pairs), asserting that
    /// it exited 0 with <c>ok: true</c> and that every screenshot it names was written.
    /// </summary>
    public static async Task<JsonElement> RunScript(string script, IReadOnlyList<string> arguments, ITestOutputHelper output, Func<string> serverLog)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = RepositoryRoot.Value, StandardOutputEncoding = Encoding.UTF8 };
        start.ArgumentList.Add(Path.Combine("tests", "browser", script));
        // Each option and its value as one "--name=value": node's parseArgs refuses a separate value that starts with
        // "-", which a generated password or client secret (base64url) sometimes does.
        Assert.True(arguments.Count % 2 == 0, "The arguments are --name value pairs.");
        for (var i = 0; i < arguments.Count; i += 2)
        {
            Assert.StartsWith("--", arguments[i], StringComparison.Ordinal);
            start.ArgumentList.Add(arguments[i] + "=" + arguments[i + 1]);
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
            throw new TimeoutException($"{script}: {e.Message}\nServer log:\n{serverLog()}", e);
        }

        output.WriteLine($"{script} exit {exitCode}: {outText.Trim()}");
        if (errText.Length > 0)
        {
            output.WriteLine("stderr: " + errText.Trim());
        }

        var line = outText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.True(line is not null, $"{script} printed nothing (exit {exitCode}). stderr: {errText}");
        var root = JsonDocument.Parse(line!).RootElement.Clone();
        Assert.True(exitCode == 0 && root.GetProperty("ok").GetBoolean(), $"{script} failed (exit {exitCode}): {line}\nstderr: {errText}\nServer log:\n{serverLog()}");
        if (root.TryGetProperty("screenshots", out var screenshots))
        {
            foreach (var shot in screenshots.EnumerateObject())
            {
                output.WriteLine($"screenshot {shot.Name}: {shot.Value.GetString()}");
                Assert.True(File.Exists(shot.Value.GetString()), $"The {shot.Name} screenshot was not written.");
            }
        }

        return root;
    }

    /// <summary>Skips without the browser tooling; under CI=true a missing browser is a failure, never a skip.</summary>
    public static void Require()
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
}
