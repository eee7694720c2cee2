using Xunit;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// A server per test class, on a fresh data directory that is removed afterwards. Derived fixtures change the
/// settings; <see cref="Start"/> starts further hosts (for example on the same directory, to test a restart).
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private ServerHost? _host;

    public string DataDirectory { get; } = NewDataDirectory();

    public ServerHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Settings on top of the defaults of <see cref="ServerHost.Start"/>.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    /// <summary>Starts a server on <paramref name="dataDirectory"/> and waits until it is ready and the admin client works.</summary>
    public static Task<ServerHost> Start(string dataDirectory, IReadOnlyDictionary<string, string?>? extraSettings = null) =>
        ServerHost.Start(dataDirectory, extraSettings);

    public static string NewDataDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "oauth2-actors-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDataDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does not affect other tests.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public async Task InitializeAsync()
    {
        try
        {
            _host = await Start(DataDirectory, Settings);
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed.
            DeleteDataDirectory(DataDirectory);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        DeleteDataDirectory(DataDirectory);
    }
}

/// <summary>Registration protected by an initial access token (RFC 7591 3).</summary>
public sealed class InitialAccessTokenServerFixture : ServerFixture
{
    public const string InitialAccessToken = "initial-access-token-0123456789-abcdefghijklmnop";

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN"] = InitialAccessToken,
    };
}

/// <summary>Access tokens live 600 seconds instead of the default hour.</summary>
public sealed class ShortTokenLifetimeServerFixture : ServerFixture
{
    public const int AccessTokenTtlSeconds = 600;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_ACCESS_TOKEN_TTL"] = "600",
    };
}
