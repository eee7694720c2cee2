using System.Threading.Channels;

namespace OAuth2.Actors.Events;

/// <summary>
/// A live view of the node's events for one reader (a browser's event stream): a sink actor registered with the
/// EventActor like a user's own, which keeps what its filter passes in a bounded queue. The pipeline only ever Tells
/// it; when the reader falls behind, the oldest queued events give way and are counted (<see cref="TakeDropped"/>),
/// so a slow reader costs the pipeline nothing. Disposing it unregisters the sink.
/// </summary>
public sealed class EventSubscription : IAsyncDisposable
{
    private readonly Channel<EventEnvelope> _queue;
    private readonly IActorRef _eventActor;
    private readonly IActorRef _subscriber;
    private readonly string _name;
    private long _dropped;
    private int _disposed;

    private EventSubscription(ActorSystem system, IActorRef eventActor, Func<EventEnvelope, bool> filter, int capacity)
    {
        _queue = Channel.CreateBounded<EventEnvelope>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => Interlocked.Increment(ref _dropped));
        _eventActor = eventActor;
        _name = "event-stream-" + Guid.NewGuid().ToString("N");
        _subscriber = system.ActorOf(Subscriber.Props(_queue.Writer, filter), _name);
    }

    /// <summary>The events, oldest first; completes when the subscription is disposed.</summary>
    public ChannelReader<EventEnvelope> Events => _queue.Reader;

    /// <summary>How many events gave way to newer ones since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>Subscribes to <paramref name="eventActor"/>; null when it did not confirm within <paramref name="timeout"/> (the sink is then removed).</summary>
    public static async Task<EventSubscription?> Open(ActorSystem system, IActorRef eventActor, Func<EventEnvelope, bool> filter, int capacity, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var subscription = new EventSubscription(system, eventActor, filter, Math.Max(1, capacity));
        try
        {
            var reply = await eventActor.Ask<object>(new RegisterEventSink(subscription._name, subscription._subscriber), timeout, cancellationToken);
            if (reply is EventSinkRegistered)
            {
                return subscription;
            }
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
        {
        }

        await subscription.DisposeAsync();
        return null;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _eventActor.Tell(new UnregisterEventSink(_name), ActorRefs.NoSender);
            _subscriber.Tell(PoisonPill.Instance, ActorRefs.NoSender);
            _queue.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Subscriber : ReceiveActor
    {
        public Subscriber(ChannelWriter<EventEnvelope> queue, Func<EventEnvelope, bool> filter) =>
            Receive<EventEnvelope>(envelope =>
            {
                if (filter(envelope))
                {
                    queue.TryWrite(envelope);
                }
            });

        public static Props Props(ChannelWriter<EventEnvelope> queue, Func<EventEnvelope, bool> filter) =>
            Akka.Actor.Props.Create(() => new Subscriber(queue, filter));
    }
}
