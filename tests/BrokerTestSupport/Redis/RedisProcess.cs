using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text;
using OAuth2.Actors.Testing;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>
/// A redis-server of the test's own (the binary .ci/services/redis.sh installs, found on PATH), on a free loopback port
/// and a throwaway directory, without persistence: <see cref="Stop"/> takes it away (its streams with it) and
/// <see cref="Start"/> brings it back empty on the same port. Without the binary the test is skipped (a failure in CI).
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private Process? _process;

    private RedisProcess(string binary)
    {
        _binary = binary;
        _directory = DataDirectories.New();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>The URL the server's sink takes (OAUTH2_EVENTS_REDIS_URL).</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>True when redis-server is on PATH.</summary>
    public static bool IsInstalled => Find() is not null;

    /// <summary>Starts a new one, or skips (fails in CI) when redis-server is not installed.</summary>
    public static async Task<RedisProcess> StartNew()
    {
        var binary = Find();
        if (binary is null)
        {
            const string reason = "redis-server is not on PATH: .ci/services/redis.sh start installs it";
            Assert.False(BrokerEnvironment.InCi, reason + " (CI=true: a broker test must not be skipped in CI)");
            Skip.If(true, reason);
        }

        var redis = new RedisProcess(binary ?? throw new InvalidOperationException("redis-server not found"));
        await redis.Start();
        return redis;
    }

    /// <summary>Starts redis-server on <see cref="Port"/> and returns once it answers PING.</summary>
    public async Task Start()
    {
        if (IsRunning)
        {
            return;
        }

        var start = new ProcessStartInfo(_binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
                     "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await Eventually.Until(Answers, $"redis-server on {Port} to answer PING\n{Log()}", TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops it (SIGKILL: nothing to save) and returns once the port is silent.</summary>
    public async Task Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        await Eventually.Until(async () => !await Answers(), $"redis-server on {Port} to be gone", TimeSpan.FromSeconds(10));
    }

    public string Log()
    {
        lock (_outputLock)
        {
            return string.Join('\n', _output.ToString().Split('\n').TakeLast(20));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        DataDirectories.Delete(_directory);
    }

    private async Task<bool> Answers()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }
}
