using Akka.Cluster.Sharding;

namespace OAuth2.Actors.Protocol;

/// <summary>Routes the messages of one entity protocol to the entity named by <paramref name="key"/>.</summary>
public sealed class KeyedMessageExtractor<T>(Func<T, string> key, int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message is T m ? key(m) : null;
}
