using System.Net;
using Akka.Actor;
using Akka.Discovery;
using Akka.Event;
using k8s;
using k8s.Models;
using AkkaConfig = Akka.Configuration.Config;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// Akka.Discovery over the Kubernetes API: the contact points are the running pods that match a label selector, by
/// pod IP (bootstrap adds the management port). The server's own provider because Akka.Discovery.KubernetesApi 1.5.73
/// is built against KubernetesClient 17, which our feed does not serve, and its lookup fails on the versions it does
/// (a V1PodList constructor is gone). The pods' service account needs <c>list</c> on <c>pods</c> in their namespace.
/// </summary>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    /// <summary>The method name under <c>akka.discovery</c>.</summary>
    public const string Method = "oauth2-kubernetes";

    public const string ConfigPath = "akka.discovery." + Method;

    /// <summary>Where Kubernetes mounts the pod's namespace (with its service account token).</summary>
    private const string NamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    private readonly ILoggingAdapter _log;
    private readonly string _labelSelector;
    private readonly string _namespace;
    private readonly string _apiUrl;
    private readonly Lazy<IKubernetes> _client;

    public KubernetesPodDiscovery(ExtendedActorSystem system)
        : this(system, system.Settings.Config.GetConfig(ConfigPath))
    {
    }

    public KubernetesPodDiscovery(ExtendedActorSystem system, AkkaConfig config)
    {
        _log = Logging.GetLogger(system, this);
        _labelSelector = config.GetString("pod-label-selector");
        var configured = config.GetString("pod-namespace", string.Empty);
        _namespace = !string.IsNullOrWhiteSpace(configured) ? configured
            : File.Exists(NamespaceFile) ? File.ReadAllText(NamespaceFile).Trim() : "default";
        _apiUrl = config.GetString("api-url", string.Empty);

        // Built at the first lookup: outside a pod the in-cluster configuration throws, and bootstrap then logs the
        // failed lookup and tries again, as for any discovery failure, instead of the system failing to start. A
        // failure is not cached (PublicationOnly), so the next lookup tries again.
        _client = new Lazy<IKubernetes>(
            () => new Kubernetes(string.IsNullOrWhiteSpace(_apiUrl) ? KubernetesClientConfiguration.InClusterConfig() : new KubernetesClientConfiguration { Host = _apiUrl }),
            LazyThreadSafetyMode.PublicationOnly);
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        using var deadline = new CancellationTokenSource(resolveTimeout);
        V1PodList pods;
        try
        {
            pods = await _client.Value.CoreV1.ListNamespacedPodAsync(_namespace, labelSelector: _labelSelector, cancellationToken: deadline.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // 403 here means the service account may not list pods: the RBAC in docs/cluster-membership.md.
            _log.Warning(e, "Listing pods [{0}] in namespace [{1}] failed", _labelSelector, _namespace);
            throw;
        }

        var targets = Targets(pods).ToList();
        if (targets.Count == 0)
        {
            _log.Warning("No running pod with an IP matches [{0}] in namespace [{1}]", _labelSelector, _namespace);
        }

        return new Resolved(lookup.ServiceName, targets);
    }

    /// <summary>The pods that can answer a probe: running, with an IP, not being deleted.</summary>
    internal static IEnumerable<ResolvedTarget> Targets(V1PodList pods) =>
        (pods.Items ?? [])
            .Where(p => p.Status?.Phase == "Running" && p.Metadata?.DeletionTimestamp is null && !string.IsNullOrEmpty(p.Status.PodIP))
            .Select(p => new ResolvedTarget(p.Status.PodIP, null, IPAddress.TryParse(p.Status.PodIP, out var ip) ? ip : null));

    /// <summary>The HOCON that registers this provider as the default discovery method.</summary>
    internal static string Hocon(string labelSelector, string? podNamespace, string? apiUrl = null) => $$"""
        akka.discovery {
          method = {{Method}}
          {{Method}} {
            class = {{Quote($"{typeof(KubernetesPodDiscovery).FullName}, {typeof(KubernetesPodDiscovery).Assembly.GetName().Name}")}}
            pod-label-selector = {{Quote(labelSelector)}}
            pod-namespace = {{Quote(podNamespace ?? string.Empty)}}
            api-url = {{Quote(apiUrl ?? string.Empty)}}
          }
        }
        """;

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
