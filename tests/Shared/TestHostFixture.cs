using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>
/// A server per test class, on a fresh data directory that is removed afterwards. Derived fixtures override
/// <see cref="Settings"/> (OAUTH2_* names), <see cref="Services"/> or <see cref="Kestrel"/>.
/// </summary>
public class TestHostFixture : IAsyncLifetime
{
    private TestHost? _host;

    public TestHostFixture()
    {
        Settings = new Dictionary<string, string?>();
    }

    /// <summary>A fixture whose server runs with <paramref name="settings"/> on top of the defaults.</summary>
    protected TestHostFixture(params (string Key, string? Value)[] settings)
    {
        Settings = settings.ToDictionary(s => s.Key, s => s.Value);
    }

    public string DataDirectory { get; } = DataDirectories.New();

    public TestHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    protected IReadOnlyDictionary<string, string?> Settings { get; }

    protected virtual Action<IServiceCollection>? Services => null;

    /// <summary>On a real Kestrel socket on a loopback port (for a real browser) instead of in memory.</summary>
    protected virtual bool Kestrel => false;

    public async Task InitializeAsync()
    {
        try
        {
            _host = await TestHost.Start(DataDirectory, Settings, Services, Kestrel);
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed.
            DataDirectories.Delete(DataDirectory);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        DataDirectories.Delete(DataDirectory);
    }
}
