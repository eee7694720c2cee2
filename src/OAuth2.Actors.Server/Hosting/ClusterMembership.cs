using Akka;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Discovery.Config.Hosting;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// How this node becomes a cluster member (<c>OAUTH2_CLUSTER_DISCOVERY</c>): static seeds, a one-node cluster of
/// itself (the embedded default), or Akka.Management cluster bootstrap over an Akka.Discovery provider. Kept in one
/// place so that exactly one way of joining is configured: seeds and bootstrap together would race each other.
/// </summary>
public static class ClusterMembership
{
    /// <summary>
    /// The name bootstrap looks up in discovery (the config provider's service). Every node of one cluster uses the
    /// same, so it is fixed rather than a setting.
    /// </summary>
    public const string ServiceName = ActorSystemSetup.SystemName;

    /// <summary>Clustering, and the one join mechanism that <paramref name="options"/> selects.</summary>
    public static AkkaConfigurationBuilder WithClusterMembership(this AkkaConfigurationBuilder builder, OAuth2Options options)
    {
        var seeds = options.SeedNodes;
        if (options.ClusterDiscovery == ClusterDiscovery.Seeds)
        {
            builder.WithClustering(new ClusterOptions { SeedNodes = seeds });
            if (seeds.Length == 0)
            {
                builder.AddStartup((system, _) =>
                {
                    // The embedded default: a one-node cluster, so sharding and Distributed Data run as they would across nodes.
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                });
            }

            return builder;
        }

        // No seeds: bootstrap decides. It joins a cluster that any contact point already belongs to, and otherwise,
        // once it has seen the required contact points, only the lowest of them forms a new one (no split at start).
        // Neither Akka.Management nor bootstrap starts itself: Akka.Management's HTTP server cannot run on the Ceen.Httpd
        // we have (see ManagementEndpoint), so the startup below serves bootstrap's route and then starts bootstrap.
        return builder
            .WithClustering(new ClusterOptions())
            .WithAkkaManagement(Management(options))
            .WithClusterBootstrap(Bootstrap(options), autoStart: false)
            .WithDiscovery(options)
            .AddStartup(async (system, _) =>
            {
                var bootstrap = ClusterBootstrap.Get(system);
                // How bootstrap recognises itself among the contact points discovered (Akka.Management sets it so when it binds the routes).
                bootstrap.Routes(ManagementRouteProviderSettings.Create(SelfContactPoint(options), readOnly: true));
                var endpoint = await ManagementEndpoint.Start(system, options.ClusterHost, options.ManagementPort);
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "oauth2-management-endpoint", async () =>
                {
                    await endpoint.DisposeAsync();
                    return Done.Instance;
                });
                await bootstrap.Start();
            });
    }

    /// <summary>
    /// This node's management address as the others reach it: the advertised host (<c>OAUTH2_CLUSTER_PUBLIC_HOST</c>,
    /// else <c>OAUTH2_CLUSTER_HOST</c>) and the management port. It must be the host and port discovery returns for
    /// this node, or bootstrap never sees itself among the contact points and never forms a new cluster.
    /// </summary>
    internal static Uri SelfContactPoint(OAuth2Options options)
    {
        var host = AdvertisedHost(options);
        return new Uri($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{options.ManagementPort}/");
    }

    private static string AdvertisedHost(OAuth2Options options) =>
        string.IsNullOrWhiteSpace(options.ClusterPublicHost) ? options.ClusterHost : options.ClusterPublicHost;

    /// <summary>Akka.Management's settings (not started: see <see cref="ManagementEndpoint"/>), the same host and port as served.</summary>
    internal static AkkaManagementOptions Management(OAuth2Options options) => new()
    {
        HostName = AdvertisedHost(options),
        Port = options.ManagementPort,
        BindHostName = options.ClusterHost,
        BindPort = options.ManagementPort,
    };

    internal static ClusterBootstrapOptions Bootstrap(OAuth2Options options)
    {
        var bootstrap = new ClusterBootstrapOptions();
        bootstrap.ContactPointDiscovery.ServiceName = ServiceName;
        bootstrap.ContactPointDiscovery.RequiredContactPointsNr = options.ClusterRequiredContacts;
        // Every node listens on the same management port unless discovery says otherwise (Kubernetes returns pod IPs only).
        bootstrap.ContactPoint.FallbackPort = options.ManagementPort;
        if (options.ClusterDiscovery == ClusterDiscovery.Config)
        {
            // Config endpoints are management endpoints by definition, and several may share a host (one machine, many
            // nodes): without this, bootstrap keeps only those of a shared host that use this node's management port.
            bootstrap.ContactPoint.FilterOnFallbackPort = false;
        }

        return bootstrap;
    }

    /// <summary>The Akka.Discovery provider, registered as the default method that bootstrap uses.</summary>
    private static AkkaConfigurationBuilder WithDiscovery(this AkkaConfigurationBuilder builder, OAuth2Options options) =>
        options.ClusterDiscovery switch
        {
            ClusterDiscovery.Config => builder.WithConfigDiscovery(ConfigDiscovery(options)),
            ClusterDiscovery.Kubernetes => builder.AddHocon(KubernetesPodDiscovery.Hocon(options.ClusterDiscoveryPodLabelSelector, options.ClusterDiscoveryNamespace), HoconAddMode.Prepend),
            var other => throw new ArgumentOutOfRangeException(nameof(options), other, "Not a discovery method."),
        };

    internal static ConfigServiceDiscoveryOptions ConfigDiscovery(OAuth2Options options) => new()
    {
        Services = [new Service { Name = ServiceName, Endpoints = options.DiscoveryEndpoints }],
    };
}
