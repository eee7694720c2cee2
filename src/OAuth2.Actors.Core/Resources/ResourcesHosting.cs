using Akka.Hosting;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Resources;

public static class ResourcesHosting
{
    /// <summary>
    /// Registered resource servers (RFC 8707): the registry, one persistent sharded entity; and on every node the
    /// directory the pipelines read, with the actor that keeps it current.
    /// </summary>
    public static AkkaConfigurationBuilder WithResources(this AkkaConfigurationBuilder builder, OAuth2Setup setup)
    {
        // A node that cannot confirm within a second is unreachable; waiting longer only delays the change's answer.
        var pushTimeout = setup.Settings.RequestTimeout < TimeSpan.FromSeconds(1) ? setup.Settings.RequestTimeout : TimeSpan.FromSeconds(1);
        return builder
            .WithEntity<ResourceRegistryActor, IResourceRegistryCommand>("resource-servers", _ => ResourceRegistryActor.EntityId, 10,
                (_, _) => ResourceRegistryActor.Props(setup.Time, pushTimeout))
            .WithActors((system, registry) => registry.Register<ResourceDirectoryActor>(system.ActorOf(
                ResourceDirectoryActor.Props(setup.Resources, registry.Get<ResourceRegistryActor>(), setup.Settings.RequestTimeout),
                ResourceDirectoryActor.Name)));
    }
}
