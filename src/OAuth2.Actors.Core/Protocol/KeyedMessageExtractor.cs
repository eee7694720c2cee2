using Akka.Cluster.Sharding;

namespace OAuth2.Actors.Protocol;

/// <summary>Routes the messages of one entity protocol to the entity named by <paramref name="key"/>.</summary>
/// <summary>
/// Passivation message for persistent entities: handled in order like any command, so an entity never stops in
/// the middle of a journal write (a PoisonPill would).
/// </summary>
public sealed record StopEntity
{
    public static readonly StopEntity Instance = new();
}

public sealed class KeyedMessageExtractor<T>(Func<T, string> key, int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message is T m ? key(m) : null;
}
