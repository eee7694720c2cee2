using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Duende.IdentityModel.Client;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The real server as a process of its own (the build beside the tests, started with <c>dotnet</c>), one node, on a
/// data directory and (optionally) a PostgreSQL database that outlive it: <see cref="Kill"/> is <c>kill -9</c>, and
/// <see cref="Start"/> starts it again on the same directory, database and ports. Its output is kept for failure messages.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string AdminClientId = "crash-admin";
    public const string AdminClientSecret = "crash-admin-secret-0123456789abcdefghijklmnop";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    private readonly Dictionary<string, string> _environment;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private Process? _process;
    private (string Url, string Admin)? _postgres;
    private string? _adminToken;

    public ServerProcess(IReadOnlyDictionary<string, string> settings)
    {
        HttpPort = FreePort();
        DataDirectory = DataDirectories.New();
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OAUTH2_SERVER_HOST"] = "127.0.0.1",
            ["OAUTH2_SERVER_PORT"] = HttpPort.ToString(CultureInfo.InvariantCulture),
            ["OAUTH2_ISSUER"] = Url,
            ["OAUTH2_DATA_DIR"] = DataDirectory,
            ["OAUTH2_CLUSTER_HOST"] = "127.0.0.1",
            ["OAUTH2_CLUSTER_PORT"] = "0",
            ["OAUTH2_MANAGEMENT_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID"] = AdminClientId,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = AdminClientSecret,
            // One address makes every request: the per-address limits would measure themselves.
            ["OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE"] = "0",
            ["OAUTH2_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_MINUTE"] = "0",
            ["OAUTH2_RATE_LIMIT_REGISTRATIONS_PER_MINUTE"] = "0",
            // Two cores shared with other builds: generous internal deadlines.
            ["OAUTH2_REQUEST_TIMEOUT_SECONDS"] = "30",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__OAuth2.Actors"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            _environment[key] = value;
        }

        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        Http = new HttpClient(handler) { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>
    /// A server (not started) on SQLite in its data directory (<paramref name="database"/> <c>sqlite</c>) or on a fresh
    /// PostgreSQL database (<c>postgres</c>: created through OAUTH2_TEST_POSTGRES_URL, which .ci/services/postgres.sh
    /// sets; skipped without it, a failure in CI) that is dropped with the server.
    /// </summary>
    public static async Task<ServerProcess> On(string database, IReadOnlyDictionary<string, string> settings)
    {
        if (database == "sqlite")
        {
            return new ServerProcess(settings);
        }

        Assert.Equal("postgres", database);
        var admin = OAuth2.Actors.Events.Tests.Support.BrokerEnvironment.Require(TestDatabases.PostgresUrlVariable, "PostgreSQL", ".ci/services/postgres.sh");
        var url = await TestDatabases.Create(admin);
        return new ServerProcess(new Dictionary<string, string>(settings) { ["OAUTH2_DATABASE_URL"] = url }) { _postgres = (url, admin) };
    }

    public int HttpPort { get; }

    public string Url => $"http://127.0.0.1:{HttpPort}";

    public string DataDirectory { get; }

    /// <summary>A client for this server, shared by the test's parallel requests (up to 256 connections).</summary>
    public HttpClient Http { get; }

    public static RegisteredClient Admin { get; } = new(AdminClientId, AdminClientSecret);

    /// <summary>Starts the process and returns once /ready answers 200 and the admin client gets a token.</summary>
    public async Task Start()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The server is already running.");
        }

        var process = ServerLaunch.Start(_environment, Append);
        Append($"---- started (pid {process.Id}) ----");
        _process = process;
        await WaitUntilUsable();
    }

    /// <summary>
    /// kill -9 (SIGKILL to the server, which starts no processes of its own): no shutdown hook, no flush. Returns once
    /// the process is gone, with the time the signal was sent (null when it was not running).
    /// </summary>
    public async Task<DateTimeOffset?> Kill()
    {
        if (_process is not { HasExited: false } process)
        {
            return null;
        }

        var at = DateTimeOffset.UtcNow;
        process.Kill();
        await process.WaitForExitAsync();
        Append($"---- killed (pid {process.Id}) ----");
        return at;
    }

    public Task<TokenResponse> Token(RegisteredClient client, CancellationToken cancellationToken = default) =>
        Http.RequestClientCredentialsTokenAsync(
            new ClientCredentialsTokenRequest { Address = "/oauth/token", ClientId = client.ClientId, ClientSecret = client.ClientSecret },
            cancellationToken);

    /// <summary>The admin client's access token (one for the server's life: each new one would be an event of its own).</summary>
    public async Task<string> AdminToken()
    {
        if (_adminToken is null)
        {
            using var response = await Token(Admin);
            Assert.False(response.IsError, $"admin token: {response.Error} {response.Raw}\n{Log()}");
            _adminToken = response.AccessToken!;
        }

        return _adminToken;
    }

    /// <summary>A confidential client_credentials client, registered with the admin's token.</summary>
    public async Task<RegisteredClient> RegisterClient(string name)
    {
        using var response = await Http.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = "/clients/register",
            Token = await AdminToken(),
            Document = new DynamicClientRegistrationDocument { ClientName = name, Scope = "read", GrantTypes = { "client_credentials" } },
        });
        Assert.True(response.HttpStatusCode == HttpStatusCode.Created, $"registration: {(int)response.HttpStatusCode} {response.Raw}\n{Log()}");
        return new RegisteredClient(response.ClientId!, response.ClientSecret);
    }

    /// <summary>GET <paramref name="path"/> as the admin: the status and the JSON body (null when it is not JSON).</summary>
    public async Task<(HttpStatusCode Status, JsonElement? Body)> GetJson(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await AdminToken());
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var json = JsonDocument.Parse(text);
            return (response.StatusCode, json.RootElement.Clone());
        }
        catch (JsonException)
        {
            return (response.StatusCode, null);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines the process wrote (stdout and stderr, every run).</summary>
    public string Log(int lines = 60)
    {
        lock (_outputLock)
        {
            var all = _output.ToString().Split('\n');
            return $"==== server {Url} ====\n" + string.Join('\n', all.TakeLast(lines));
        }
    }

    /// <summary>Every line the process wrote (across runs) that contains <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLines(string text)
    {
        lock (_outputLock)
        {
            return _output.ToString().Split('\n').Where(l => l.Contains(text, StringComparison.Ordinal)).ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        _process?.Dispose();
        Http.Dispose();
        DataDirectories.Delete(DataDirectory);
        if (_postgres is { } postgres)
        {
            await TestDatabases.Drop(postgres.Url, postgres.Admin);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilUsable()
    {
        var deadline = DateTimeOffset.UtcNow + StartDeadline;
        var last = "no answer yet";
        while (true)
        {
            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"The server exited with {exited.ExitCode} while starting.\n{Log()}");
            }

            try
            {
                using var ready = await Http.GetAsync("/ready");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    using var token = await Token(Admin);
                    if (!token.IsError)
                    {
                        return;
                    }

                    last = $"admin token: {token.Error}";
                }
                else
                {
                    last = $"/ready {(int)ready.StatusCode}";
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The server was not usable within {StartDeadline}; last: {last}\n{Log()}");
            }

            await Task.Delay(100);
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
            _output.AppendLine(line);
        }
    }
}
