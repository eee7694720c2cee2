using System.Collections.Concurrent;
using Akka.Actor;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Events;

/// <summary>
/// How AuthActor, TokenActor and ClientActor emit events: build the envelope and hand it to the EventActor.
/// Never blocks, never throws, never waits: publishing is best-effort and off the request path.
/// </summary>
/// <remarks>
/// Envelopes are queued here and reach the EventActor as an <see cref="EventBatch"/>: the first envelope into an
/// empty queue schedules one flush on the thread pool, and whatever has been published by the time it runs goes in
/// the same batch. Under load that is many envelopes per message, so the pipeline wakes once per batch rather than
/// once per event (each wake-up of an idle actor is a thread-pool dispatch); when idle, a batch is one envelope and
/// the delay is one dispatch. One publisher is shared by every actor of a node (<see cref="Hosting.OAuth2Setup"/>).
/// </remarks>
public sealed class EventPublisher : IThreadPoolWorkItem
{
    public static readonly EventPublisher None = new(ActorRefs.Nobody, TimeProvider.System, "none", enabled: false);

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    // Attributes are read-only once published, so the two everyday ones are shared rather than built per event.
    private static readonly IReadOnlyDictionary<string, string> HttpSource = new Dictionary<string, string>(1) { ["source"] = "http" };
    private static readonly IReadOnlyDictionary<string, string> InternalSource = new Dictionary<string, string>(1) { ["source"] = "internal" };
    private readonly IActorRef _eventActor;
    private readonly TimeProvider _time;
    private readonly string _producer;
    private readonly ConcurrentQueue<EventEnvelope> _pending = new();
    private int _flushScheduled;

    public EventPublisher(IActorRef eventActor, TimeProvider time, string producer, bool enabled = true)
    {
        _eventActor = eventActor;
        _time = time;
        _producer = producer;
        Enabled = enabled;
    }

    public bool Enabled { get; }

    public void Publish(
        EventType type,
        RequestContext? context,
        string? clientId = null,
        string? userId = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        EventSeverity severity = EventSeverity.Info,
        string? error = null)
    {
        if (!Enabled)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var attributes = Attributes(context);
        _pending.Enqueue(new EventEnvelope(
            new AuthEvent(NewEventId(now), type, now, severity, userId, clientId, metadata ?? NoMetadata, error),
            null,
            context?.TraceParent,
            context?.TraceState,
            context?.CorrelationId,
            _producer,
            now,
            attributes));

        // The envelope is queued before the flag is read: a flush that has already cleared the flag either takes it
        // or, if it had finished draining, this call schedules the next one. No envelope waits for a later event.
        if (Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>
    /// A UUID version 7 (RFC 9562): the event's millisecond first, then random bits. Unique as a v4 is, and in time
    /// order, so the event log's unique index on the id takes each append at its right edge (the same few pages, hot
    /// in the cache) instead of at a random page of an index as large as the log.
    /// </summary>
    public static string NewEventId(DateTimeOffset timestamp) =>
        (timestamp >= DateTimeOffset.UnixEpoch ? RandomIds.NewVersion7(timestamp) : RandomIds.NewGuid()).ToString();

    /// <summary>Sends everything queued so far to the EventActor as one batch.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        Interlocked.Exchange(ref _flushScheduled, 0);
        var count = _pending.Count;
        if (count == 0)
        {
            return;
        }

        var batch = new List<EventEnvelope>(count);
        while (_pending.TryDequeue(out var envelope))
        {
            batch.Add(envelope);
        }

        _eventActor.Tell(new EventBatch(batch), ActorRefs.NoSender);
    }

    /// <summary>Where the event came from: <c>source</c>, and for a request the address it came from (<c>remote_address</c>, as the host saw it).</summary>
    private static IReadOnlyDictionary<string, string> Attributes(RequestContext? context)
    {
        var source = context?.Source ?? "internal";
        if (context?.RemoteAddress is { } address)
        {
            return new Dictionary<string, string>(2) { ["source"] = source, ["remote_address"] = address };
        }

        return source switch
        {
            "http" => HttpSource,
            "internal" => InternalSource,
            _ => new Dictionary<string, string>(1) { ["source"] = source },
        };
    }
}
