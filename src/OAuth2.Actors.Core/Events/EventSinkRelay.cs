namespace OAuth2.Actors.Events;

/// <summary>
/// Stands for a user's own sink actor behind the EventActor's router: the router carries <see cref="EventBatch"/>es,
/// and the user's actor receives each <see cref="EventEnvelope"/> on its own, in order, as the extension contract says.
/// </summary>
public sealed class EventSinkRelay : ReceiveActor
{
    public EventSinkRelay(IActorRef sink)
    {
        Receive<EventBatch>(batch =>
        {
            foreach (var envelope in batch.Events)
            {
                sink.Tell(envelope, ActorRefs.NoSender);
            }
        });
    }

    public static Props Props(IActorRef sink) => Akka.Actor.Props.Create(() => new EventSinkRelay(sink));
}
