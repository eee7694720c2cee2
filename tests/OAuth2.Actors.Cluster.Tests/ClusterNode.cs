using System.Diagnostics;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// One real server process of a test cluster (the server as built beside the tests, started with <c>dotnet</c>), with
/// its own HTTP port, remoting port and data directory, and its output kept for the failure messages.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly List<(DateTimeOffset At, string Line)> _output = [];
    private readonly Lock _outputLock = new();
    private Process? _process;
    private string? _adminToken;

    public ClusterNode(string name, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        HttpPort = TestCluster.FreePort();
        ClusterPort = TestCluster.FreePort();
        ManagementPort = TestCluster.FreePort();
        DataDirectory = Path.Combine(Path.GetTempPath(), "oauth2-cluster-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        _environment = new Dictionary<string, string>(environment)
        {
            ["OAUTH2_SERVER_HOST"] = "127.0.0.1",
            ["OAUTH2_SERVER_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OAUTH2_CLUSTER_HOST"] = "127.0.0.1",
            ["OAUTH2_CLUSTER_PORT"] = ClusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OAUTH2_MANAGEMENT_PORT"] = ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OAUTH2_DATA_DIR"] = DataDirectory,
        };
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public int HttpPort { get; }

    public int ClusterPort { get; }

    /// <summary>Akka.Management's port: used only when the cluster forms by discovery (bootstrap probes it).</summary>
    public int ManagementPort { get; }

    public string ManagementEndpoint => $"127.0.0.1:{ManagementPort}";

    public string DataDirectory { get; }

    public string Url => $"http://127.0.0.1:{HttpPort}";

    public string ClusterAddress => $"akka.tcp://oauth2@127.0.0.1:{ClusterPort}";

    /// <summary>A client for this node only (no cookies: flows that need them bring their own).</summary>
    public HttpClient Http { get; }

    public bool IsRunning => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public void Set(string name, string value) => _environment[name] = value;

    public void Start()
    {
        var process = ServerLaunch.Start(_environment, Append);
        Append($"---- {Name} started (pid {process.Id}) ----");
        _process = process;
    }

    /// <summary>kill -9: no shutdown, no leaving the cluster.</summary>
    public async Task Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a node, and waits for it to exit.</summary>
    public async Task Terminate(TimeSpan within)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not stop within {within} of SIGTERM.\n{Log()}");
        }
    }

    /// <summary>Waits for the process to end by itself (a node that must refuse to start).</summary>
    public async Task<int> WaitForExit(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        await _process!.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// The node's /ready body when it answers 200, else null. Asked with the admin client's token when it gets one: only
    /// then does /ready show its checks and the cluster view (without, the body is the status alone).
    /// </summary>
    public async Task<JsonElement?> Ready()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/ready");
            if (await AdminToken() is { } token)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await Http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (!json.RootElement.TryGetProperty("checks", out _))
            {
                _adminToken = null;
            }

            return json.RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Ready, and seeing <paramref name="members"/> members up and none unreachable.</summary>
    public async Task<bool> ReadyWith(int members)
    {
        if (await Ready() is not { } ready || !ready.TryGetProperty("checks", out var checks))
        {
            return false;
        }

        var cluster = checks.GetProperty("cluster");
        return cluster.GetProperty("members").TryGetProperty("up", out var up) && up.GetInt32() == members
            && cluster.GetProperty("unreachable").GetArrayLength() == 0;
    }

    /// <summary>The bootstrap admin client's access token on this node (kept while /ready accepts it), or null while it has none.</summary>
    private async Task<string?> AdminToken()
    {
        if (_adminToken is null)
        {
            using var response = await TestCluster.Token(this, TestCluster.Admin);
            _adminToken = response.IsError ? null : response.AccessToken;
        }

        return _adminToken;
    }

    public string Log(int lines = 60)
    {
        lock (_outputLock)
        {
            return $"==== {Name} ({Url}, {ClusterAddress}) ====\n" + string.Join('\n', _output.TakeLast(lines).Select(o => o.Line));
        }
    }

    /// <summary>Every line the node wrote (across its runs) that contains <paramref name="text"/>, with when the test received it.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Line)> LogLines(string text)
    {
        lock (_outputLock)
        {
            return _output.Where(o => o.Line.Contains(text, StringComparison.Ordinal)).ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        _process?.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.Add((DateTimeOffset.UtcNow, line));
        }
    }
}
