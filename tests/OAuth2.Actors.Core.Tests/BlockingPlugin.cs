namespace OAuth2.Actors.Core.Tests;

/// <summary>Every call waits until <see cref="Release"/>; counts what it finally delivered.</summary>
internal sealed class BlockingPlugin(string name) : IEventPlugin
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Started;
    public int Completed;

    public string Name => name;

    public async Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Started);
        await _gate.Task;
        Interlocked.Increment(ref Completed);
    }

    public void Release() => _gate.TrySetResult();

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
