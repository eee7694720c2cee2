using Akka.Actor;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Events;

/// <summary>
/// How AuthActor, TokenActor and ClientActor emit events: build the envelope and <c>Tell</c> the EventActor.
/// Never blocks, never throws, never waits: publishing is best-effort and off the request path.
/// </summary>
public sealed class EventPublisher
{
    public static readonly EventPublisher None = new(ActorRefs.Nobody, TimeProvider.System, "none", enabled: false);

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    // Attributes are read-only once published, so the two everyday ones are shared rather than built per event.
    private static readonly IReadOnlyDictionary<string, string> HttpSource = new Dictionary<string, string>(1) { ["source"] = "http" };
    private static readonly IReadOnlyDictionary<string, string> InternalSource = new Dictionary<string, string>(1) { ["source"] = "internal" };
    private readonly IActorRef _eventActor;
    private readonly TimeProvider _time;
    private readonly string _producer;

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
        var envelope = new EventEnvelope(
            new AuthEvent(Guid.NewGuid().ToString(), type, now, severity, userId, clientId, metadata ?? NoMetadata, error),
            null,
            context?.TraceParent,
            context?.TraceState,
            context?.CorrelationId,
            _producer,
            now,
            attributes);
        _eventActor.Tell(envelope, ActorRefs.NoSender);
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
