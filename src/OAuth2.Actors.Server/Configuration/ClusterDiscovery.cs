namespace OAuth2.Actors.Server.Configuration;

/// <summary>
/// How a node finds the others (<c>OAUTH2_CLUSTER_DISCOVERY</c>). Seeds need every address before start; discovery
/// lets nodes whose addresses are assigned at run time (pods, autoscaled hosts) find each other and agree on who forms
/// the cluster, through Akka.Management cluster bootstrap.
/// </summary>
public enum ClusterDiscovery
{
    /// <summary>Static seed nodes (<c>OAUTH2_CLUSTER_SEEDS</c>), or a one-node cluster without them: the default.</summary>
    Seeds,

    /// <summary>Akka.Discovery's config provider: a fixed list of management endpoints.</summary>
    Config,

    /// <summary>The pods that match a label selector, listed from the Kubernetes API (<see cref="Hosting.KubernetesPodDiscovery"/>).</summary>
    Kubernetes,
}
