namespace OAuth2.Actors.Core.Tests;

/// <summary>Never completes a call (ignores cancellation too): only the plugin timeout gets the sink moving.</summary>
internal sealed class HangingPlugin(string name) : IEventPlugin
{
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls;

    public string Name => name;

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        return _never.Task;
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
