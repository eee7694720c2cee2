using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>
/// A test class against the server of its fixture. xunit makes an instance per test: <see cref="InitializeAsync"/> is
/// where a class registers what each of its tests starts from.
/// </summary>
public abstract class HostTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : TestHostFixture
{
    protected TestHost Host => fixture.Host;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;
}
