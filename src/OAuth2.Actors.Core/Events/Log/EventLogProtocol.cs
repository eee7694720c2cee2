namespace OAuth2.Actors.Events.Log;

// ---- Sink management: asked of a sink's consumer entity (region "event-sinks", one entity per sink name) from any
// node, so these cross nodes and are in the serializer's table (MessageManifests).

/// <summary>A message for the consumer entity of one durable sink.</summary>
public interface IEventSinkCommand
{
    string Sink { get; }
}

/// <summary>Sent by every node's keeper every few seconds: starts the sink's consumer (again, after its node left).</summary>
public sealed record KeepSinkRunning(string Sink) : IEventSinkCommand;

/// <summary>Answered with <see cref="SinkStatus"/>.</summary>
public sealed record GetSinkStatus(string Sink) : IEventSinkCommand;

/// <summary>
/// The sink is gone for good (a deleted webhook endpoint): its consumer stops delivering, releases its lease and stops,
/// and is not started again unless the sink reappears. Answered with <see cref="SinkRetired"/>.
/// </summary>
public sealed record RetireSink(string Sink) : IEventSinkCommand;

/// <summary>The consumer of <paramref name="Sink"/> has stopped (or was not running).</summary>
public sealed record SinkRetired(string Sink);

/// <summary>Stops delivering (the cursor stays, events wait in the log); answered with <see cref="SinkStatus"/>. Kept across restarts.</summary>
public sealed record PauseSink(string Sink) : IEventSinkCommand;

/// <summary>Delivers again from the cursor; answered with <see cref="SinkStatus"/>.</summary>
public sealed record ResumeSink(string Sink) : IEventSinkCommand;

/// <summary>
/// Delivers the logged events between two bounds (inclusive) to this sink again, ids unchanged, beside its normal
/// delivery and without moving its cursor; other sinks are untouched. Answered with <see cref="SinkReplayStarted"/>,
/// or <see cref="OAuth2.Actors.Auth.AdminFailure"/> (a replay is already running: Conflict; an empty range: BadRequest).
/// </summary>
public sealed record ReplaySink(string Sink, LogBound From, LogBound To) : IEventSinkCommand;

/// <summary>A replay bound: a log position, or an RFC 3339 time (the first or last event appended at or after/before it).</summary>
public sealed record LogBound(long? Position, DateTimeOffset? Time)
{
    public static LogBound AtPosition(long position) => new(position, null);

    public static LogBound AtTime(DateTimeOffset time) => new(null, time);
}

/// <summary>How a sink is doing: <c>starting</c> (waiting for its lease), <c>active</c>, <c>paused</c> or <c>failing</c> (retrying a delivery).</summary>
public enum SinkState
{
    Starting,
    Active,
    Paused,
    Failing,
}

/// <summary>
/// A sink as its consumer sees it. <paramref name="Cursor"/>: the last position it acknowledged; <paramref name="LagEvents"/>:
/// positions after the cursor up to the head of the log; <paramref name="LagSeconds"/>: the age of the oldest event it has
/// not acknowledged (0 when caught up); <paramref name="Lost"/>: events purged by retention before it acknowledged them;
/// <paramref name="Node"/>: the member that consumes it; <paramref name="PluginCounters"/>: the plugin's own counters
/// (what a broker confirmed or refused), when it keeps any.
/// </summary>
public sealed record SinkStatus(
    string Sink,
    SinkState State,
    long Cursor,
    long Head,
    long LagEvents,
    double LagSeconds,
    long Lost,
    string? Node,
    SinkCounters Counters,
    SinkReplayStatus? Replay,
    string? LastError,
    IReadOnlyDictionary<string, long>? PluginCounters = null);

/// <summary>
/// Counters since the consumer started on its node: delivered (acknowledged by the destination), failed attempts,
/// skipped (left out by the sink's own filter), replayed (delivered again by a replay).
/// </summary>
public sealed record SinkCounters(long Delivered, long Failed, long Skipped, long Replayed);

/// <summary>The running or last replay: the positions it covers, how many it has delivered, whether it is done.</summary>
public sealed record SinkReplayStatus(long From, long To, long Delivered, bool Done);

public sealed record SinkReplayStarted(string Sink, long From, long To);

// ---- Node-local messages (never cross nodes).

/// <summary>From the EventActor to the log writer: an ingested envelope to append unless its key was seen within the window.</summary>
public sealed record AppendIngested(EventEnvelope Envelope, IActorRef ReplyTo) : INoSerializationVerificationNeeded;

/// <summary>From the log writer to the EventActor: where an ingested envelope went (appended, or a duplicate of an earlier one).</summary>
public sealed record IngestAppended(EventEnvelope Envelope, AppendOutcome Outcome, IActorRef ReplyTo) : INoSerializationVerificationNeeded;

/// <summary>From the log writer to this node's consumers: events it has just committed, in position order.</summary>
public sealed record LogAppended(IReadOnlyList<LoggedEvent> Events) : INoSerializationVerificationNeeded;

/// <summary>From a consumer to its node's log writer: send me <see cref="LogAppended"/> (until I stop).</summary>
public sealed record FollowLog(IActorRef Consumer) : INoSerializationVerificationNeeded;

/// <summary>Asked of the log writer at shutdown: answered with <see cref="EventLogFlushed"/> once what it holds is committed or at the timeout.</summary>
public sealed record FlushEventLog(TimeSpan Timeout) : INoSerializationVerificationNeeded;

public sealed record EventLogFlushed(long Remaining) : INoSerializationVerificationNeeded;

/// <summary>Asked of the log writer: its counters (for /events/health).</summary>
public sealed record GetEventLogHealth : INoSerializationVerificationNeeded
{
    public static readonly GetEventLogHealth Instance = new();
}

/// <summary>
/// The writer's view: appended since start, waiting to be appended, dropped because the database stayed unreachable
/// longer than the pending bound held, the head, and the last append error (null when the last append worked).
/// </summary>
public sealed record EventLogHealth(long Appended, long Pending, long Dropped, long Head, string? LastError) : INoSerializationVerificationNeeded;

/// <summary>From the hosting to the EventActor once the <c>event-sinks</c> region runs: the durable sinks its health reports on.</summary>
public sealed record DurableSinks(IActorRef Region, IReadOnlyList<string> Names) : INoSerializationVerificationNeeded;

/// <summary>A history query, answered with <see cref="EventLogPage"/> (or <see cref="EventLogUnavailable"/>).</summary>
public sealed record QueryEventLog(EventLogQuery Query) : INoSerializationVerificationNeeded;

/// <summary>One event by id, answered with <see cref="LoggedEventFound"/> (or <see cref="EventLogUnavailable"/>).</summary>
public sealed record FindLoggedEvent(string EventId) : INoSerializationVerificationNeeded;

public sealed record LoggedEventFound(LoggedEvent? Event) : INoSerializationVerificationNeeded;

/// <summary>The database could not answer (the reason is logged, not sent).</summary>
public sealed record EventLogUnavailable : INoSerializationVerificationNeeded
{
    public static readonly EventLogUnavailable Instance = new();
}
