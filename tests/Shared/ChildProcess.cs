using System.Diagnostics;

namespace OAuth2.Actors.Testing;

/// <summary>A process a test runs to its end (a service script, a real browser), with a deadline.</summary>
public static class ChildProcess
{
    /// <summary>
    /// Starts <paramref name="start"/> with its output redirected and waits for it; past <paramref name="deadline"/> it is
    /// killed (with its children) and a <see cref="TimeoutException"/> carries what it wrote to stderr.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> Run(ProcessStartInfo start, TimeSpan deadline)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {deadline}. stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
