using System.Diagnostics;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>
/// Where a broker test finds its broker: an environment variable set by a .ci/services script. Missing, the test is
/// skipped with the reason on a developer's machine, and fails in CI (CI=true), where a skip would hide a missing part.
/// </summary>
public static class BrokerEnvironment
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The variable's value, or a skip (a fail in CI) naming the variable and the script that sets it.</summary>
    public static string Require(string variable, string broker, string script)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value.Trim();
        }

        var reason = $"{broker} not available: set {variable} or run {script} start";
        if (InCi)
        {
            Assert.Fail($"{reason} (CI=true: a broker test must not be skipped in CI; .ci/run starts every .ci/services script)");
        }

        Skip.If(true, reason);
        return string.Empty;
    }
}

/// <summary>A .ci/services script, run to stop and start its broker during an outage test.</summary>
public sealed class ServiceScript(string script, string workDirectory)
{
    public static ServiceScript Require(string scriptVariable, string workVariable, string broker, string script) =>
        new(BrokerEnvironment.Require(scriptVariable, broker, script), BrokerEnvironment.Require(workVariable, broker, script));

    public Task Stop() => Run("stop");

    public Task Start() => Run("start");

    private async Task Run(string command)
    {
        var start = new ProcessStartInfo("bash", [script, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OAUTH2_CI_WORK"] = workDirectory;
        start.Environment["OAUTH2_CI_ENV"] = Path.Combine(workDirectory, "env");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {script}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {command} did not finish within 3 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {command} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}
