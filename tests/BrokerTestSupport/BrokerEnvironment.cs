using System.Diagnostics;
using OAuth2.Actors.Testing;
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

/// <summary>
/// A .ci/services script, run to stop and start its broker during an outage test, with the variables that tell it
/// where its state lives.
/// </summary>
public sealed class ServiceScript(string script, IReadOnlyDictionary<string, string> environment)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    /// <summary>The script whose work directory (OAUTH2_CI_WORK) is in <paramref name="workVariable"/>.</summary>
    public static ServiceScript Require(string scriptVariable, string workVariable, string broker, string script)
    {
        var work = BrokerEnvironment.Require(workVariable, broker, script);
        return new(BrokerEnvironment.Require(scriptVariable, broker, script), new Dictionary<string, string>
        {
            ["OAUTH2_CI_WORK"] = work,
            ["OAUTH2_CI_ENV"] = Path.Combine(work, "env"),
        });
    }

    public Task Stop() => Run("stop");

    public Task Start() => Run("start");

    /// <summary>Runs <c>bash script command</c>; fails when it exits non-zero or takes longer than three minutes.</summary>
    public async Task Run(string command)
    {
        var start = new ProcessStartInfo("bash", [script, command]);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var (exitCode, stdout, stderr) = await ChildProcess.Run(start, Deadline);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{script} {command} exited {exitCode}: {stdout}{stderr}");
        }
    }
}

/// <summary>
/// A broker started by a .ci/services script that appends OAUTH2_TEST_{<paramref name="Variables"/>}_URL (where it
/// listens), _SERVICE (the script) and _CI_WORK (its work directory) to the CI environment.
/// </summary>
public sealed record BrokerService(string Broker, string Variables, string Script)
{
    /// <summary>The URL, or a skip (a failure in CI) saying how to get the broker.</summary>
    public string Url() => BrokerEnvironment.Require($"OAUTH2_TEST_{Variables}_URL", Broker, Script);

    /// <summary>The script, to stop and start the broker during an outage test.</summary>
    public ServiceScript Service() => ServiceScript.Require($"OAUTH2_TEST_{Variables}_SERVICE", $"OAUTH2_TEST_{Variables}_CI_WORK", Broker, Script);
}
