namespace OAuth2.Actors.Core.Tests;

/// <summary>Throws on every call, synchronously or from the returned task.</summary>
internal sealed class ThrowingPlugin(string name, bool synchronously = false) : IEventPlugin
{
    public int Calls;

    public string Name => name;

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        return synchronously
            ? throw new InvalidOperationException("broker unreachable")
            : Task.FromException(new InvalidOperationException("broker unreachable"));
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(false);
}
