using System.Diagnostics;

namespace OAuth2.Actors.Testing;

/// <summary>Starts the real server as a process of its own (the crash and cluster suites), its output handed line by line to the caller.</summary>
public static class ServerLaunch
{
    /// <summary>Starts the server built beside the test assembly with <paramref name="environment"/>; <paramref name="output"/> gets stdout and stderr lines.</summary>
    public static Process Start(IEnumerable<KeyValuePair<string, string>> environment, Action<string?> output)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ServerAssembly.Value);
        start.WorkingDirectory = Path.GetDirectoryName(ServerAssembly.Value)!;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output(e.Data);
        process.ErrorDataReceived += (_, e) => output(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The server as built beside this test assembly (same configuration): src/OAuth2.Actors.Server/bin/{Configuration}/{framework}.</summary>
    private static readonly Lazy<string> ServerAssembly = new(() =>
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "OAuth2.Actors.Server", "bin", configuration, framework, "OAuth2.Actors.Server.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"OAuth2.Actors.Server.dll ({configuration}/{framework}) not found above {AppContext.BaseDirectory}: build the solution first.");
    });
}
