using Akka.Hosting;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Clients;

public static class ClientsHosting
{
    /// <summary>Registered clients: one persistent entity each, sharded across the cluster.</summary>
    public static AkkaConfigurationBuilder WithClients(this AkkaConfigurationBuilder builder, OAuth2Setup setup) =>
        builder.WithEntity<ClientActor, IClientCommand>("clients", c => c.ClientId, 100,
            (registry, id) => ClientActor.Props(id, setup.Settings, setup.Time, setup.Publisher(registry)));
}
