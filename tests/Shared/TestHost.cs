using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Testing;

/// <summary>
/// One running server: the real <see cref="Program"/> (through <see cref="TestServerFactory"/>) on a data directory,
/// in memory or on a real Kestrel socket on a loopback port (for a real browser), with a test's OAUTH2_* settings and
/// optional extra services. The OAuth2 calls (TestHost.OAuth.cs), the user and page helpers (TestHost.Users.cs) and the
/// event reads (TestHost.Events.cs) are the one set every suite uses. Disposing it stops the host and its actor system;
/// <see cref="Restart"/> starts it again on the same directory. When the tests run on PostgreSQL (<see cref="TestDatabases"/>)
/// and the settings name no OAUTH2_DATABASE_URL, the host journals to a fresh database of its own, kept across
/// <see cref="Restart"/> and dropped when the host is disposed.
/// </summary>
public sealed partial class TestHost : IAsyncDisposable
{
    public const string InMemoryIssuer = "http://localhost";
    public const string AdminClientId = "test-admin";
    public const string AdminClientSecret = "test-admin-secret-0123456789-abcdefghijklmnopqr";

    /// <summary>The scopes the suites' open registration allows (OAUTH2_REGISTRATION_ALLOWED_SCOPES).</summary>
    public const string OpenScopes = "read write profile introspect";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    private readonly TestServerFactory _factory;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _kestrel;
    private bool _ownsDirectory;
    private bool _ownsDatabase;
    private bool _disposed;

    private TestHost(TestServerFactory factory, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services, bool kestrel, bool ownsDirectory, bool ownsDatabase)
    {
        _factory = factory;
        _settings = settings;
        _services = services;
        _kestrel = kestrel;
        _ownsDirectory = ownsDirectory;
        _ownsDatabase = ownsDatabase;
        Issuer = kestrel ? settings["OAUTH2_ISSUER"]! : InMemoryIssuer;
        DataDirectory = settings["OAUTH2_DATA_DIR"]!;
        Client = NewHttpClient(cookies: false);
    }

    /// <summary>
    /// The address the tests talk to: http://localhost in memory (also when the settings give the server another
    /// issuer), http://127.0.0.1:{port} on Kestrel.
    /// </summary>
    public string Issuer { get; }

    public string DataDirectory { get; }

    /// <summary>A client for the host: base address the issuer, no cookies, no redirects followed.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    public CapturedLogs Logs => _factory.Logs;

    /// <summary>
    /// Starts the server on <paramref name="dataDirectory"/> and returns once <c>/ready</c> answers 200 and the bootstrap
    /// admin client can get a token. <paramref name="settings"/> override the defaults (OAUTH2_* names).
    /// </summary>
    public static async Task<TestHost> Start(string dataDirectory, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, bool kestrel = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var defaults = Defaults(dataDirectory, settings, kestrel);
                return await Start(defaults, services, kestrel, ownsDirectory: false, ownsDatabase: await AddDatabase(defaults));
            }
            catch (IOException e) when (kestrel && attempt < 3 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // The free port was taken by another process (a shared machine) before Kestrel bound it: another port.
            }
        }
    }

    /// <summary>Starts the server on a fresh data directory of its own, removed when the host is disposed.</summary>
    public static async Task<TestHost> Start(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var defaults = Defaults(DataDirectories.New(), settings, kestrel: false);
        bool ownsDatabase;
        try
        {
            ownsDatabase = await AddDatabase(defaults);
        }
        catch
        {
            DataDirectories.Delete(defaults["OAUTH2_DATA_DIR"]!);
            throw;
        }

        return await Start(defaults, services, kestrel: false, ownsDirectory: true, ownsDatabase);
    }

    /// <summary>
    /// Stops this host and starts the server again on the same data directory (and the same database) with the same
    /// settings. <paramref name="whileStopped"/>, if given, runs once the host has stopped and before it starts again (a
    /// test of what happens to work that falls due while the server is down).
    /// </summary>
    public async Task<TestHost> Restart(Func<Task>? whileStopped = null)
    {
        var ownsDirectory = _ownsDirectory;
        var ownsDatabase = _ownsDatabase;
        _ownsDirectory = false;
        _ownsDatabase = false;
        await DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        return await Start(_settings, _services, _kestrel, ownsDirectory, ownsDatabase);
    }

    /// <summary>Stops the host (once: a host already stopped by <see cref="Restart"/> may be disposed again).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Client.Dispose();
        await _factory.DisposeAsync();
        if (_ownsDirectory)
        {
            DataDirectories.Delete(DataDirectory);
        }

        if (_ownsDatabase)
        {
            await TestDatabases.Drop(_settings["OAUTH2_DATABASE_URL"]!);
        }
    }

    /// <summary>A client that keeps cookies (a browser's session) and does not follow redirects.</summary>
    public TestBrowser NewBrowser() => new(this, NewHttpClient(cookies: true));

    public string HostLog(int lines = 40) => Logs.Tail(lines);

    /// <summary>Posts a form to <paramref name="path"/>, authenticated as <paramref name="client"/> with HTTP Basic, or not at all.</summary>
    public async Task<HttpResponseMessage> PostForm(string path, RegisteredClient? client, params (string Key, string Value)[] form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Form(form) };
        if (client is not null)
        {
            var credentials = $"{Uri.EscapeDataString(client.ClientId)}:{Uri.EscapeDataString(client.ClientSecret ?? string.Empty)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(credentials)));
        }

        return await Client.SendAsync(request);
    }

    /// <summary>Sends <paramref name="content"/> to <paramref name="path"/> with an optional bearer token.</summary>
    public async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? bearer, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request);
    }

    public static FormUrlEncodedContent Form(params (string Key, string Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)));

    private static async Task<TestHost> Start(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services, bool kestrel, bool ownsDirectory, bool ownsDatabase)
    {
        var factory = new TestServerFactory(settings, services);
        TestHost? host = null;
        try
        {
            if (kestrel)
            {
                // Kestrel listens where the server's own settings say (OAUTH2_SERVER_HOST and OAUTH2_SERVER_PORT, set by
                // Defaults), as in production: a second Listen on the same port here would fail to bind.
                factory.UseKestrel();
                factory.StartServer();
            }

            host = new TestHost(factory, settings, services, kestrel, ownsDirectory, ownsDatabase);
            var admin = host;
            admin._adminToken = new CachedToken(await ServerReadiness.WaitUntilUsable(host.Client, () => admin.RequestToken(AdminClientId, AdminClientSecret), StartDeadline, factory.Logs), TimeSpan.FromSeconds(5));
            return host;
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
            else
            {
                await factory.DisposeAsync();
                if (ownsDirectory)
                {
                    DataDirectories.Delete(settings["OAUTH2_DATA_DIR"]!);
                }

                if (ownsDatabase)
                {
                    await TestDatabases.Drop(settings["OAUTH2_DATABASE_URL"]!);
                }
            }

            throw;
        }
    }

    private static Dictionary<string, string?> Defaults(string dataDirectory, IReadOnlyDictionary<string, string?>? overrides, bool kestrel)
    {
        var port = kestrel ? FreeLoopbackPort() : 0;
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_ISSUER"] = kestrel ? $"http://127.0.0.1:{port}" : InMemoryIssuer,
            ["OAUTH2_DATA_DIR"] = dataDirectory,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID"] = AdminClientId,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = AdminClientSecret,
            ["OAUTH2_CLUSTER_PORT"] = "0",
            ["OAUTH2_CLUSTER_HOST"] = "127.0.0.1",
            ["OAUTH2_TOKEN_ACTORS"] = "2",
            // Two cores shared with other builds: generous internal deadlines.
            ["OAUTH2_REQUEST_TIMEOUT_SECONDS"] = "30",
            // Every message goes through its serializer, as it would between nodes: a message that would not survive
            // the wire fails here, on one node.
            ["OAUTH2_AKKA_SERIALIZE_MESSAGES"] = "on",
            // The suites register most of their clients the way a public deployment with open registration would
            // (RegistrationTests prove the closed default and the allow-list).
            ["OAUTH2_REGISTRATION_OPEN"] = "true",
            ["OAUTH2_REGISTRATION_ALLOWED_SCOPES"] = OpenScopes,
            // The suites make many requests from one address: the rate limits are off unless a test turns one on.
            ["OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE"] = "0",
            ["OAUTH2_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_MINUTE"] = "0",
            ["OAUTH2_RATE_LIMIT_REGISTRATIONS_PER_MINUTE"] = "0",
            ["OAUTH2_RATE_LIMIT_INGEST_PER_MINUTE"] = "0",
            // Fast password hashes (production refuses fewer than 100,000 iterations).
            ["OAUTH2_PASSWORD_HASH_ITERATIONS"] = "1000",
            ["OAUTH2_TEST_ONLY_ALLOW_WEAK_PASSWORD_HASHING"] = "true",
        };
        if (kestrel)
        {
            settings["OAUTH2_SERVER_HOST"] = "127.0.0.1";
            settings["OAUTH2_SERVER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // A null value takes a default of the suites away: the server then runs on its own default for it.
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    /// <summary>
    /// On PostgreSQL, a fresh database for a host whose settings name none (a test that sets its own OAUTH2_DATABASE_URL
    /// keeps it): true when one was created, the host's to drop.
    /// </summary>
    private static async Task<bool> AddDatabase(Dictionary<string, string?> settings)
    {
        if (TestDatabases.PostgresAdminUrl is null || settings.ContainsKey("OAUTH2_DATABASE_URL"))
        {
            return false;
        }

        settings["OAUTH2_DATABASE_URL"] = await TestDatabases.Create();
        return true;
    }

    private HttpClient NewHttpClient(bool cookies) =>
        _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = cookies, BaseAddress = new Uri(Issuer + "/") });

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
