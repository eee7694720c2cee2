using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>
/// The npm <c>cloudevents</c> package's Kafka binding (an independent implementation): cloudevents-js/read-kafka.mjs
/// decodes one record with <c>Kafka.toEvent</c> and prints the CloudEvent as JSON. Its packages are installed once per
/// suite (<c>npm ci</c>, from the lock file) when missing. Without node and npm the test is skipped with the reason
/// (a failure in CI, where .ci/services/browser.sh installs them).
/// </summary>
public static class NpmKafkaBinding
{
    private static readonly Lazy<Task<string>> Installed = new(Install);

    /// <summary>The JSON event format of the CloudEvent <c>Kafka.toEvent</c> reads from <paramref name="record"/>.</summary>
    public static async Task<string> ToEvent(KafkaRecord record)
    {
        var directory = await Installed.Value;
        var input = new JsonObject
        {
            ["headers"] = new JsonObject(record.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value)))),
            ["key"] = string.IsNullOrEmpty(record.Key) ? null : record.Key,
            ["value"] = record.Value,
        };
        var start = new ProcessStartInfo("node", ["read-kafka.mjs"])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"Kafka.toEvent refused the record: {await stderr}");
        return await stdout;
    }

    private static async Task<string> Install()
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "OAuth2.Actors.Events.Kafka.Tests", "cloudevents-js");
        if (File.Exists(Path.Combine(directory, "node_modules", "cloudevents", "package.json")))
        {
            return directory;
        }

        foreach (var tool in new[] { "node", "npm" })
        {
            if (!OnPath(tool))
            {
                var reason = $"{tool} is not installed (apt-get install nodejs npm; .ci/services/browser.sh does): the npm cloudevents Kafka binding cannot run";
                Assert.False(BrokerEnvironment.InCi, reason);
                Skip.If(true, reason);
            }
        }

        var (exitCode, stdout, stderr) = await ChildProcess.Run(
            new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) { WorkingDirectory = directory },
            TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"npm ci in {directory} exited {exitCode}: {stdout}{stderr}");
        return directory;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, tool)));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OAuth2.Actors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"OAuth2.Actors.sln not found above {AppContext.BaseDirectory}.");
    }
}
