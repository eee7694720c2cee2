namespace OAuth2.Actors.Events;

// The event pipeline is per node (plugins and actor references in its messages): none of these leaves the node.

/// <summary>
/// Envelopes in the order they were published, as the publishers hand them to the EventActor and the EventActor to
/// the plugin sinks: one message per batch instead of one per event (a batch is often a single envelope).
/// </summary>
public sealed record EventBatch(IReadOnlyList<EventEnvelope> Events) : INoSerializationVerificationNeeded;

/// <summary>Wrap a plugin in a sink actor and add it to the broadcast router.</summary>
public sealed record RegisterEventPlugin(IEventPlugin Plugin) : INoSerializationVerificationNeeded;

/// <summary>
/// Add a user's own sink actor to the broadcast router; it is dropped when it stops. It receives each
/// <see cref="EventEnvelope"/> on its own, in order; with <paramref name="Batches"/> it receives the router's
/// <see cref="EventBatch"/>es instead (several envelopes a message, in order: one message, not one per event).
/// </summary>
public sealed record RegisterEventSink(string Name, IActorRef Sink, bool Batches = false) : INoSerializationVerificationNeeded;

public sealed record UnregisterEventSink(string Name) : INoSerializationVerificationNeeded;

public sealed record EventSinkRegistered(string Name) : INoSerializationVerificationNeeded;

public sealed record EventSinkUnregistered(string Name) : INoSerializationVerificationNeeded;

/// <summary>The registration was refused (a sink with that name exists); the sink receives nothing.</summary>
public sealed record EventSinkRejected(string Name, string Reason) : INoSerializationVerificationNeeded;

public sealed record GetEventHealth : INoSerializationVerificationNeeded
{
    public static readonly GetEventHealth Instance = new();
}

public sealed record EventHealth(bool Enabled, long Published, long Filtered, IReadOnlyList<SinkHealth> Sinks) : INoSerializationVerificationNeeded;

public sealed record SinkHealth(string Name, string Kind, bool Healthy, long Delivered, long Failed, long Dropped, long Buffered, IReadOnlyDictionary<string, long>? Counters = null) : INoSerializationVerificationNeeded;

internal sealed record GetSinkHealth : INoSerializationVerificationNeeded
{
    public static readonly GetSinkHealth Instance = new();
}

/// <summary>
/// Wait, up to <paramref name="Timeout"/>, until every plugin sink has delivered what it holds (its queue and the
/// batches in flight). Sent by the coordinated shutdown before the actor system stops, so a restart or a rolling
/// deploy does not throw away events a sink is still holding (during a broker outage, say).
/// </summary>
public sealed record DrainEventSinks(TimeSpan Timeout) : INoSerializationVerificationNeeded;

/// <summary>What each plugin sink still held when the drain ended (empty when everything was delivered).</summary>
public sealed record EventSinksDrained(IReadOnlyDictionary<string, long> Undelivered) : INoSerializationVerificationNeeded
{
    public long Remaining => Undelivered.Values.Sum();
}

internal sealed record DrainSink(TimeSpan Timeout) : INoSerializationVerificationNeeded;

internal sealed record SinkDrained(string Name, long Remaining) : INoSerializationVerificationNeeded;

public sealed record QueryEvents(EventQuery Query) : INoSerializationVerificationNeeded;

public sealed record EventsFound(IReadOnlyList<EventEnvelope> Events) : INoSerializationVerificationNeeded;

/// <summary>An envelope sent to <c>/events/ingest</c> by an external producer, not yet validated.</summary>
/// <summary>
/// An envelope posted to <c>/events/ingest</c>. <paramref name="CallerClientId"/> is the client whose token
/// authorized the post: the producer of an envelope that names none.
/// </summary>
public sealed record IngestEvent(IncomingEnvelope Envelope, string? IdempotencyKeyHeader, string? CorrelationId, string? CallerClientId = null) : INoSerializationVerificationNeeded;

public abstract record IngestReply : INoSerializationVerificationNeeded;

public sealed record IngestAccepted(string IdempotencyKey, string EventId) : IngestReply;

public sealed record IngestDuplicate(string IdempotencyKey, string EventId) : IngestReply;

public sealed record IngestRejected(string Reason) : IngestReply;

/// <summary>The ingest body as received: every field optional so the validator can say what is missing.</summary>
public sealed record IncomingEnvelope(
    IncomingEvent? Event,
    string? IdempotencyKey,
    string? Traceparent,
    string? Tracestate,
    string? CorrelationId,
    string? Producer,
    DateTimeOffset? ProducedAt,
    Dictionary<string, string>? Attributes);

public sealed record IncomingEvent(
    string? Id,
    string? EventType,
    DateTimeOffset? Timestamp,
    string? Severity,
    string? UserId,
    string? ClientId,
    Dictionary<string, string>? Metadata,
    string? Error);
