using Akka.Event;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Clients;

/// <summary>
/// How a client entity makes every node forget a client before it answers a change: it asks the cache actor of every
/// cluster member (this node included) and waits for each to confirm, at most <see cref="Timeout"/>. A member that does
/// not confirm in time (unreachable) is named in a warning; its entry expires with the cache's time to live.
/// </summary>
public sealed class ClientCacheInvalidation(TimeSpan timeout)
{
    /// <summary>No cache anywhere (OAUTH2_CLIENT_CACHE_SECONDS=0, or an actor under test): nothing to wait for.</summary>
    public static readonly ClientCacheInvalidation None = new(TimeSpan.Zero);

    public TimeSpan Timeout { get; } = timeout;

    public async Task Everywhere(ActorSystem system, string clientId, ILoggingAdapter log)
    {
        if (Timeout <= TimeSpan.Zero)
        {
            return;
        }

        var missing = await EveryMember.AskAll<ClientCacheInvalidated>(system, ClientCacheActor.Name, new InvalidateClientCache(clientId), Timeout);
        EveryMember.WarnMissing(log, missing, $"that they forgot the cached authentication of client {clientId} (they may accept its previous credentials until the entry expires)", Timeout);
    }
}
