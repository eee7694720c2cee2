namespace OAuth2.Actors.Hosting;

/// <summary>An id was just created: every node forgets it was unknown before the creation is answered.</summary>
public sealed record ForgetUnknownId(UnknownIdKind Kind, string Id);

public sealed record UnknownIdForgotten(UnknownIdKind Kind, string Id);

/// <summary>
/// One per node, at <c>/user/unknown-ids</c>: drops an id from the node's <see cref="UnknownIdCache"/> when an entity
/// (on whichever node) creates it, and confirms.
/// </summary>
public sealed class UnknownIdCacheActor : ReceiveActor
{
    public const string Name = "unknown-ids";

    public UnknownIdCacheActor(UnknownIdCache cache)
    {
        Receive<ForgetUnknownId>(m =>
        {
            cache.Forget(m.Kind, m.Id);
            Sender.Tell(new UnknownIdForgotten(m.Kind, m.Id));
        });
    }

    public static Props Props(UnknownIdCache cache) => Akka.Actor.Props.Create(() => new UnknownIdCacheActor(cache));

    /// <summary>
    /// Tells every member to forget the id and waits for their confirmations (at most a second, or the request timeout
    /// when shorter); a member that does not confirm keeps the id at most the cache's time to live.
    /// </summary>
    public static async Task ForgetEverywhere(ActorSystem system, UnknownIdCache cache, UnknownIdKind kind, string id, TimeSpan requestTimeout)
    {
        cache.Forget(kind, id);
        if (!cache.Enabled)
        {
            return;
        }

        var timeout = requestTimeout < TimeSpan.FromSeconds(1) ? requestTimeout : TimeSpan.FromSeconds(1);
        var missing = await EveryMember.AskAll<UnknownIdForgotten>(system, Name, new ForgetUnknownId(kind, id), timeout);
        EveryMember.WarnMissing(Akka.Event.Logging.GetLogger(system, typeof(UnknownIdCacheActor)), missing, $"that a new {kind} exists", timeout);
    }
}
