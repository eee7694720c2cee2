using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// Where a test's own sink delivers: it records every envelope it accepts, in the order it accepts them, and refuses
/// everything while <see cref="Down"/> (a broker that is unreachable). It belongs to the test, not to a host, so what
/// it received before a restart is still there after it.
/// </summary>
public sealed class SwitchedDestination
{
    private readonly ConcurrentQueue<EventEnvelope> _received = new();
    private long _refused;

    public volatile bool Down;

    public IReadOnlyList<EventEnvelope> Received => _received.ToArray();

    public IReadOnlyList<string> ReceivedIds => _received.Select(e => e.Event.Id).ToArray();

    public long Refused => Interlocked.Read(ref _refused);

    internal void Accept(IReadOnlyList<EventEnvelope> batch)
    {
        if (Down)
        {
            Interlocked.Increment(ref _refused);
            throw new IOException("the destination is down");
        }

        foreach (var envelope in batch)
        {
            _received.Enqueue(envelope);
        }
    }
}

/// <summary>
/// A user's own sink given to the host at start: a backend in DI that OAUTH2_EVENTS_BACKEND names, whose plugin delivers
/// to a <see cref="SwitchedDestination"/>.
/// </summary>
public sealed class SwitchedBackend(string name, SwitchedDestination destination) : IEventBackend
{
    public string Name => name;

    public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration) => (new Plugin(name, destination), null);

    /// <summary>The host's services with this sink added (name it in OAUTH2_EVENTS_BACKEND).</summary>
    public static Action<IServiceCollection> Services(string name, SwitchedDestination destination) =>
        services => services.AddSingleton<IEventBackend>(new SwitchedBackend(name, destination));

    private sealed class Plugin(string name, SwitchedDestination destination) : IEventPlugin
    {
        public string Name => name;

        public EventPluginOptions Options { get; } = new()
        {
            MaxBatch = 100,
            RetryUntilDelivered = true,
            MinBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
        };

        public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
        {
            destination.Accept([envelope]);
            return Task.CompletedTask;
        }

        public Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
        {
            destination.Accept(batch);
            return Task.CompletedTask;
        }

        public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(!destination.Down);
    }
}
