using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>
/// A test class whose tests start (and restart) their own servers on one data directory, removed after each test:
/// what a server promised before a restart is checked after it.
/// </summary>
public abstract class RestartingHostTests : IAsyncLifetime
{
    protected string DataDirectory { get; } = DataDirectories.New();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        DataDirectories.Delete(DataDirectory);
        return Task.CompletedTask;
    }
}
