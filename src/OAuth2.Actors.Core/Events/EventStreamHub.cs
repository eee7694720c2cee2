using System.Threading.Channels;

namespace OAuth2.Actors.Events;

/// <summary>
/// One event for a live reader, framed once for every reader as the server-sent event a stream writes as it is
/// (<c>id: {event id}\ndata: {envelope JSON}\n\n</c>, UTF-8).
/// </summary>
public readonly record struct StreamedEvent(string EventId, ReadOnlyMemory<byte> Frame)
{
    public static StreamedEvent Of(EventEnvelope envelope) => new(envelope.Event.Id, EnvelopeJsonWriter.ToServerSentEvent(envelope));
}

/// <summary>
/// The node's live readers of its events (browsers on <c>/events/stream</c>). One sink actor, registered with the
/// EventActor like a user's own (taking the router's batches) while at least one reader is open: each event goes to
/// every reader whose filter passes it, framed once for all of them (<see cref="StreamedEvent"/>), into the reader's
/// bounded queue. The pipeline only ever Tells the hub, and the hub never waits for a reader: when one falls behind,
/// the oldest events in its queue give way and are counted.
/// </summary>
public sealed class EventStreamHub : ReceiveActor
{
    public const string SinkName = "event-streams";

    private readonly IActorRef _eventActor;
    private readonly Dictionary<Guid, EventSubscription> _readers = [];
    private readonly List<IActorRef> _waiting = [];
    private readonly StreamedEvent?[] _one = new StreamedEvent?[1];
    private bool _registered;

    public EventStreamHub(IActorRef eventActor)
    {
        _eventActor = eventActor;
        Receive<EventBatch>(Deliver);
        Receive<Subscribe>(Add);
        Receive<Unsubscribe>(u =>
        {
            _readers.Remove(u.Id);
            if (_readers.Count == 0 && _registered)
            {
                _registered = false;
                _eventActor.Tell(new UnregisterEventSink(SinkName));
            }
        });
        Receive<EventSinkRegistered>(_ => Answer(registered: true));
        Receive<EventSinkRejected>(_ => Answer(registered: false));
        Receive<EventSinkUnregistered>(_ => { });
    }

    public static Props Props(IActorRef eventActor) => Akka.Actor.Props.Create(() => new EventStreamHub(eventActor));

    /// <summary>Adds a reader; answered <see cref="Subscribed"/> once the hub receives the node's events.</summary>
    internal sealed record Subscribe(EventSubscription Reader) : INoSerializationVerificationNeeded;

    internal sealed record Subscribed(bool Accepted) : INoSerializationVerificationNeeded;

    internal sealed record Unsubscribe(Guid Id) : INoSerializationVerificationNeeded;

    private void Add(Subscribe subscribe)
    {
        _readers[subscribe.Reader.Id] = subscribe.Reader;
        if (_registered)
        {
            Sender.Tell(new Subscribed(true));
            return;
        }

        // The first reader: the hub joins the EventActor's sinks, and answers the readers waiting once that is confirmed.
        _waiting.Add(Sender);
        if (_waiting.Count == 1)
        {
            _eventActor.Tell(new RegisterEventSink(SinkName, Self, Batches: true));
        }
    }

    private void Answer(bool registered)
    {
        _registered = registered;
        foreach (var asker in _waiting)
        {
            asker.Tell(new Subscribed(registered));
        }

        if (!registered)
        {
            _readers.Clear();
        }

        _waiting.Clear();
    }

    private void Deliver(EventBatch batch)
    {
        // Framed on first need: an event no reader's filter passes is never serialized.
        var events = batch.Events;
        if (events.Count == 0)
        {
            return;
        }

        // Most batches are one event: its slot is reused.
        var framed = events.Count == 1 ? _one : new StreamedEvent?[events.Count];
        framed[0] = null;
        foreach (var reader in _readers.Values)
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (reader.Filter(events[i]))
                {
                    reader.Offer(framed[i] ??= StreamedEvent.Of(events[i]));
                }
            }
        }
    }
}

/// <summary>
/// One live reader's queue of events (<see cref="EventStreamHub"/>): bounded, the oldest giving way when the reader is
/// behind, counted in <see cref="TakeDropped"/>. Disposing it closes the reader.
/// </summary>
public sealed class EventSubscription : IAsyncDisposable
{
    private readonly Channel<StreamedEvent> _queue;
    private readonly IActorRef _hub;
    private long _dropped;
    private int _disposed;

    private EventSubscription(IActorRef hub, Func<EventEnvelope, bool> filter, int capacity)
    {
        Filter = filter;
        _hub = hub;
        _queue = Channel.CreateBounded<StreamedEvent>(
            new BoundedChannelOptions(Math.Max(1, capacity)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    internal Guid Id { get; } = Guid.NewGuid();

    internal Func<EventEnvelope, bool> Filter { get; }

    /// <summary>The events, oldest first; completes when the subscription is disposed.</summary>
    public ChannelReader<StreamedEvent> Events => _queue.Reader;

    /// <summary>How many events gave way to newer ones since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>Opens a reader on the node's hub; null when the hub (or the EventActor) did not take it within <paramref name="timeout"/>.</summary>
    public static async Task<EventSubscription?> Open(IActorRef hub, Func<EventEnvelope, bool> filter, int capacity, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reader = new EventSubscription(hub, filter, capacity);
        try
        {
            if (await hub.Ask<object>(new EventStreamHub.Subscribe(reader), timeout, cancellationToken) is EventStreamHub.Subscribed { Accepted: true })
            {
                return reader;
            }
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
        {
        }

        // Refused or unanswered: the hub forgets the reader (it may have added it after the asker gave up).
        await reader.DisposeAsync();
        return null;
    }

    internal void Offer(StreamedEvent e) => _queue.Writer.TryWrite(e);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _hub.Tell(new EventStreamHub.Unsubscribe(Id), ActorRefs.NoSender);
            _queue.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }
}
