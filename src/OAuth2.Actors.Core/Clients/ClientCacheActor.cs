namespace OAuth2.Actors.Clients;

/// <summary>
/// One per node, at <c>/user/client-auth-cache</c>: drops a client from the node's <see cref="ClientAuthenticationCache"/>
/// when its entity (on whichever node) says the client changed, and confirms it.
/// </summary>
public sealed class ClientCacheActor : ReceiveActor
{
    public const string Name = "client-auth-cache";

    public ClientCacheActor(ClientAuthenticationCache cache)
    {
        Receive<InvalidateClientCache>(m =>
        {
            cache.Invalidate(m.ClientId);
            Sender.Tell(new ClientCacheInvalidated(m.ClientId));
        });
    }

    public static Props Props(ClientAuthenticationCache cache) => Akka.Actor.Props.Create(() => new ClientCacheActor(cache));
}
