using Akka.Dispatch;
using Akka.Routing;
using Akka.Util;

namespace OAuth2.Actors.Events;

/// <summary>
/// The event actor's broadcast router to the live sinks, kept in step with the registrations. A batch sent to a group
/// router is routed at once, by the sender, while an added routee takes effect only when the router actor processes
/// <see cref="AddRoutee"/>: a batch routed in between would miss a sink that was already registered (and shown on
/// /events/health). So while an addition is unconfirmed, batches are held here, and they go to the router in their
/// order once the router has answered a <see cref="GetRoutees"/> sent after the addition.
/// </summary>
internal sealed class LiveSinkRouter
{
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(5);

    private readonly Queue<EventBatch> _held = new();
    private readonly HashSet<long> _unconfirmed = [];
    private readonly IActorRef _router;
    private long _additions;

    private LiveSinkRouter(IActorRef router) => _router = router;

    /// <summary>Starts the router as a child of <paramref name="context"/>, with <paramref name="initial"/> (actor paths) as its first routees.</summary>
    public static LiveSinkRouter Start(IActorContext context, IEnumerable<string> initial, string name) =>
        new(context.ActorOf(Props.Empty.WithRouter(new KeptBroadcastGroup(initial)), name));

    public void Route(EventBatch batch)
    {
        if (_unconfirmed.Count > 0)
        {
            _held.Enqueue(batch);
        }
        else
        {
            _router.Tell(batch, ActorRefs.NoSender);
        }
    }

    /// <summary>
    /// Adds <paramref name="sink"/>; <paramref name="confirmed"/>, given this addition's number, reaches
    /// <paramref name="self"/> once the router has it (or after <see cref="ConfirmTimeout"/>, the router being
    /// unresponsive), and the actor then calls <see cref="Confirmed"/> with that number.
    /// </summary>
    public void Add(IActorRef sink, IActorRef self, Func<long, object> confirmed)
    {
        var addition = ++_additions;
        _router.Tell(new AddRoutee(Routee.FromActorRef(sink)));
        _unconfirmed.Add(addition);
        WhenRouterAnswers(self, confirmed(addition));
    }

    /// <summary>
    /// The addition numbered <paramref name="addition"/> is in effect: when none is left unconfirmed, the held batches
    /// go out in order. A number this router did not hand out (a confirmation meant for an earlier incarnation of the
    /// actor) changes nothing.
    /// </summary>
    public void Confirmed(long addition)
    {
        if (_unconfirmed.Remove(addition) && _unconfirmed.Count == 0)
        {
            Release();
        }
    }

    /// <summary>Sends the held batches now, confirmed or not (a drain before shutdown: nothing may stay behind here).</summary>
    public void Release()
    {
        while (_held.TryDequeue(out var batch))
        {
            _router.Tell(batch, ActorRefs.NoSender);
        }
    }

    /// <summary>
    /// Removes <paramref name="sink"/>; <paramref name="removed"/> (when given) reaches <paramref name="replyTo"/> once
    /// the router no longer has it, so no event sent after that answer reaches the sink.
    /// </summary>
    public void Remove(IActorRef sink, IActorRef? replyTo = null, object? removed = null)
    {
        _router.Tell(new RemoveRoutee(Routee.FromActorRef(sink)));
        if (replyTo is not null && removed is not null)
        {
            WhenRouterAnswers(replyTo, removed);
        }
    }

    /// <summary>Tells <paramref name="message"/> to <paramref name="to"/> once the router has processed what was sent to it before (or after <see cref="ConfirmTimeout"/>).</summary>
    private void WhenRouterAnswers(IActorRef to, object message) =>
        _router.Ask<Routees>(GetRoutees.Instance, ConfirmTimeout)
            .ContinueWith(_ => to.Tell(message), TaskScheduler.Default);

    /// <summary>
    /// A broadcast group that outlives its last routee. Akka's routers stop themselves when their last routee is removed
    /// or terminates; with the durable log this router starts empty and carries only the sinks registered at run time,
    /// so unregistering the only one would have left later registrations a dead router.
    /// </summary>
    private sealed class KeptBroadcastGroup(IEnumerable<string> paths) : Group(paths, Dispatchers.DefaultDispatcherId)
    {
        private readonly string[] _paths = [.. paths];

        public override bool StopRouterWhenAllRouteesRemoved => false;

        public override IEnumerable<string> GetPaths(ActorSystem system) => _paths;

        public override Router CreateRouter(ActorSystem system) => new(new BroadcastRoutingLogic());

        public override ISurrogate ToSurrogate(ActorSystem system) =>
            throw new NotSupportedException("The event actor's router is local: it is never sent to another node.");
    }
}
