using Akka.Hosting;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Clients;

public static class ClientsHosting
{
    /// <summary>
    /// Registered clients: one persistent entity each, sharded across the cluster; and on every node the cache of recent
    /// successful authentications with the actor through which the entities invalidate it; the one entity that lists
    /// them all (<see cref="ClientDirectoryActor"/>); and the one entity that expires openly registered clients nobody used.
    /// </summary>
    public static AkkaConfigurationBuilder WithClients(this AkkaConfigurationBuilder builder, OAuth2Setup setup)
    {
        var invalidation = setup.ClientCache.Enabled
            ? new ClientCacheInvalidation(setup.Settings.ConfirmationTimeout)
            : ClientCacheInvalidation.None;
        return builder
            .WithActors((system, registry) =>
                registry.Register<ClientCacheActor>(system.ActorOf(ClientCacheActor.Props(setup.ClientCache), ClientCacheActor.Name)))
            .WithEntity<ClientDirectoryActor, IClientDirectoryCommand>("clients-directory", _ => ClientDirectoryActor.EntityId, 1, (_, _) => ClientDirectoryActor.Props())
            .WithEntity<ClientActor, IClientCommand>("clients", c => c.ClientId, 100,
                (registry, id) => ClientActor.Props(id, setup.Settings, setup.Time, setup.Publisher(registry), invalidation,
                    setup.Settings.UnusedClientTtl > TimeSpan.Zero ? registry.Get<UnusedClientSweeper>() : null, setup.UnknownIds, registry.Get<ClientDirectoryActor>()))
            .WithEntity<UnusedClientSweeper, IUnusedClientsCommand>("unused-clients", _ => UnusedClientSweeper.EntityId, 1,
                (registry, _) => UnusedClientSweeper.Props(setup.Settings, setup.Time, registry.Get<ClientActor>(), registry.Get<UnusedClientSweeper>()));
    }
}
