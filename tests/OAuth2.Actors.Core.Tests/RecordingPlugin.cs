using System.Collections.Concurrent;

namespace OAuth2.Actors.Core.Tests;

/// <summary>Records every envelope it is given.</summary>
internal sealed class RecordingPlugin(string name) : IEventPlugin
{
    public ConcurrentQueue<EventEnvelope> Received { get; } = new();

    public string Name => name;

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        Received.Enqueue(envelope);
        return Task.CompletedTask;
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
