using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// What the HTTP handlers see of the event pipeline: this node's EventActor (ingest, health, the history of the
/// durable log) and the <c>event-sinks</c> shard region (each durable sink's consumer, wherever it runs). Asks with a
/// timeout and the request's cancellation token; null means no answer in time (or eventing is off).
/// </summary>
public interface IEventGateway
{
    bool Enabled { get; }

    /// <summary>The sinks configured at start, each read from the durable log by its own consumer.</summary>
    IReadOnlyList<string> DurableSinks { get; }

    Task<IngestReply?> Ingest(IngestEvent ingest, CancellationToken cancellationToken);

    Task<EventHealth?> Health(CancellationToken cancellationToken);

    /// <summary>The log writer's counters (appended, pending, dropped, head, last error).</summary>
    Task<EventLogHealth?> LogHealth(CancellationToken cancellationToken);

    /// <summary>One page of the history; null when the log did not answer (unavailable or not in time).</summary>
    Task<EventLogPage?> QueryLog(EventLogQuery query, CancellationToken cancellationToken);

    /// <summary>The logged event with this id (<see cref="LoggedEventFound.Event"/> null: none); null when the log did not answer.</summary>
    Task<LoggedEventFound?> Find(string eventId, CancellationToken cancellationToken);

    /// <summary>
    /// Asks a durable sink's consumer: <see cref="SinkStatus"/>, <see cref="SinkReplayStarted"/> or
    /// <see cref="AdminFailure"/>; null when it did not answer in time.
    /// </summary>
    Task<object?> Sink(IEventSinkCommand command, CancellationToken cancellationToken);

    /// <summary>A live view of this node's events that pass <paramref name="filter"/>; null when eventing is off or the EventActor did not answer.</summary>
    Task<EventSubscription?> Subscribe(Func<EventEnvelope, bool> filter, int capacity, CancellationToken cancellationToken);
}

public sealed class EventGateway(ActorRegistry registry, EventSettings settings) : IEventGateway
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public bool Enabled => settings.Enabled;

    public IReadOnlyList<string> DurableSinks => settings.Enabled ? settings.Backends : [];

    public Task<IngestReply?> Ingest(IngestEvent ingest, CancellationToken cancellationToken) => Ask<IngestReply>(ingest, cancellationToken);

    public Task<EventHealth?> Health(CancellationToken cancellationToken) => Ask<EventHealth>(GetEventHealth.Instance, cancellationToken);

    public async Task<EventLogHealth?> LogHealth(CancellationToken cancellationToken) =>
        await Ask<object>(GetEventLogHealth.Instance, cancellationToken) as EventLogHealth;

    public async Task<EventLogPage?> QueryLog(EventLogQuery query, CancellationToken cancellationToken) =>
        await Ask<object>(new QueryEventLog(query), cancellationToken) as EventLogPage;

    public async Task<LoggedEventFound?> Find(string eventId, CancellationToken cancellationToken) =>
        await Ask<object>(new FindLoggedEvent(eventId), cancellationToken) as LoggedEventFound;

    public async Task<object?> Sink(IEventSinkCommand command, CancellationToken cancellationToken)
    {
        if (!settings.Enabled || !registry.TryGet<EventSinkConsumer>(out var region))
        {
            return null;
        }

        try
        {
            // The region forwards to the sink's entity on whichever node consumes it.
            return await region.Ask<object>(command, Timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    public Task<EventSubscription?> Subscribe(Func<EventEnvelope, bool> filter, int capacity, CancellationToken cancellationToken) =>
        settings.Enabled && registry.TryGet<EventStreamHub>(out var hub)
            ? EventSubscription.Open(hub, filter, capacity, Timeout, cancellationToken)
            : Task.FromResult<EventSubscription?>(null);

    private async Task<T?> Ask<T>(object message, CancellationToken cancellationToken)
        where T : class
    {
        if (!registry.TryGet<EventActor>(out var events))
        {
            return null;
        }

        try
        {
            return await events.Ask<T>(message, Timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
