using Akka.Routing;

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
    private readonly IActorRef _router;
    private int _unconfirmed;

    public LiveSinkRouter(IActorRef router) => _router = router;

    /// <summary>Batches waiting for an addition to be confirmed.</summary>
    public int Held => _held.Count;

    public void Route(EventBatch batch)
    {
        if (_unconfirmed > 0)
        {
            _held.Enqueue(batch);
        }
        else
        {
            _router.Tell(batch, ActorRefs.NoSender);
        }
    }

    /// <summary>
    /// Adds <paramref name="sink"/>; <paramref name="confirmed"/> reaches <paramref name="self"/> once the router has
    /// it (or after <see cref="ConfirmTimeout"/>, the router being unresponsive), and the actor then calls <see cref="Confirmed"/>.
    /// </summary>
    public void Add(IActorRef sink, IActorRef self, object confirmed)
    {
        _router.Tell(new AddRoutee(Routee.FromActorRef(sink)));
        _unconfirmed++;
        _router.Ask<Routees>(GetRoutees.Instance, ConfirmTimeout)
            .ContinueWith(_ => self.Tell(confirmed), TaskScheduler.Default);
    }

    /// <summary>An addition is in effect: when none is left unconfirmed, the held batches go out in order.</summary>
    public void Confirmed()
    {
        _unconfirmed = Math.Max(0, _unconfirmed - 1);
        if (_unconfirmed > 0)
        {
            return;
        }

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
            _router.Ask<Routees>(GetRoutees.Instance, ConfirmTimeout)
                .ContinueWith(_ => replyTo.Tell(removed), TaskScheduler.Default);
        }
    }
}
