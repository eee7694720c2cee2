using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// OAUTH2_CLUSTER_DISCOVERY and its companions: what is refused at start, and the Akka configuration each method
/// produces (no host; the config method is proven with real processes in the cluster suite, Kubernetes only here).
/// </summary>
public sealed class ClusterMembershipTests
{
    private const string Postgres = "postgres://oauth2@db.example/oauth2";

    /// <summary>A valid multi-node base (shared database, explicit issuer) plus <paramref name="values"/>.</summary>
    private static OAuth2Options Cluster(params (string Key, string Value)[] values) =>
        OptionsBinding.Bind([("OAUTH2_DATABASE_URL", Postgres), ("OAUTH2_ISSUER", "https://id.example"), .. values]);

    private static IReadOnlyList<string> Failures(OAuth2Options options) => OptionsBinding.Failures(options);

    private static Config Hocon(OAuth2Options options)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), ActorSystemSetup.SystemName);
        builder.WithClusterMembership(options);
        return builder.Configuration.Value;
    }

    [Fact]
    public void Defaults_must_be_seeds_without_seeds_and_valid()
    {
        var options = new OAuth2Options();

        Assert.Equal(ClusterDiscovery.Seeds, options.ClusterDiscovery);
        Assert.Equal(8558, options.ManagementPort);
        Assert.Equal(2, options.ClusterRequiredContacts);
        Assert.False(options.IsMultiNode);
        Assert.Empty(Failures(options));
    }

    [Fact]
    public void Options_must_bind_every_discovery_variable()
    {
        var options = OptionsBinding.Bind(
            ("OAUTH2_CLUSTER_DISCOVERY", "kubernetes"),
            ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", " a:1, b:2 ,"),
            ("OAUTH2_CLUSTER_DISCOVERY_POD_LABEL_SELECTOR", "app.kubernetes.io/name=oauth2"),
            ("OAUTH2_CLUSTER_DISCOVERY_NAMESPACE", "identity"),
            ("OAUTH2_MANAGEMENT_PORT", "9000"),
            ("OAUTH2_CLUSTER_REQUIRED_CONTACTS", "3"));

        Assert.Equal(ClusterDiscovery.Kubernetes, options.ClusterDiscovery);
        Assert.Equal(["a:1", "b:2"], options.DiscoveryEndpoints);
        Assert.Equal("app.kubernetes.io/name=oauth2", options.ClusterDiscoveryPodLabelSelector);
        Assert.Equal("identity", options.ClusterDiscoveryNamespace);
        Assert.Equal(9000, options.ManagementPort);
        Assert.Equal(3, options.ClusterRequiredContacts);
        Assert.True(options.IsMultiNode);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("kubernetes")]
    public void Validator_must_refuse_seeds_together_with_discovery(string method)
    {
        var failures = Failures(Cluster(
            ("OAUTH2_CLUSTER_DISCOVERY", method),
            ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:8558,127.0.0.1:8559"),
            ("OAUTH2_CLUSTER_SEEDS", "akka.tcp://oauth2@127.0.0.1:4053")));

        Assert.Contains(failures, f => f.Contains("OAUTH2_CLUSTER_SEEDS is set and OAUTH2_CLUSTER_DISCOVERY", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_must_refuse_config_discovery_without_endpoints()
    {
        var failures = Failures(Cluster(("OAUTH2_CLUSTER_DISCOVERY", "config")));

        Assert.Contains(failures, f => f.Contains("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS is empty", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("host-without-port")]
    [InlineData("host:notaport")]
    [InlineData("host:70000")]
    [InlineData(":8558")]
    public void Validator_must_refuse_an_endpoint_that_is_not_host_and_port(string endpoint)
    {
        var failures = Failures(Cluster(("OAUTH2_CLUSTER_DISCOVERY", "config"), ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", $"10.0.0.1:8558,{endpoint}")));

        Assert.Contains(failures, f => f.Contains($"'{endpoint}' is not host:port", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("seeds", "0")]
    [InlineData("config", "0")]
    [InlineData("kubernetes", "-1")]
    public void Validator_must_refuse_fewer_than_one_required_contact(string method, string contacts)
    {
        var failures = Failures(Cluster(
            ("OAUTH2_CLUSTER_DISCOVERY", method),
            ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:8558"),
            ("OAUTH2_CLUSTER_REQUIRED_CONTACTS", contacts)));

        Assert.Contains(failures, f => f.StartsWith($"OAUTH2_CLUSTER_REQUIRED_CONTACTS is {contacts}:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_must_refuse_more_required_contacts_than_endpoints()
    {
        var failures = Failures(Cluster(
            ("OAUTH2_CLUSTER_DISCOVERY", "config"),
            ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:8558,127.0.0.1:8559"),
            ("OAUTH2_CLUSTER_REQUIRED_CONTACTS", "3")));

        Assert.Contains(failures, f => f.Contains("bootstrap would wait for ever", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("config")]
    [InlineData("kubernetes")]
    public void Validator_must_refuse_sqlite_and_a_default_issuer_for_a_discovery_cluster(string method)
    {
        var failures = Failures(OptionsBinding.Bind(("OAUTH2_CLUSTER_DISCOVERY", method), ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:8558")));

        Assert.Contains(failures, f => f.StartsWith($"OAUTH2_CLUSTER_DISCOVERY is '{method}' but the database is SQLite", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith($"OAUTH2_CLUSTER_DISCOVERY is '{method}' but OAUTH2_ISSUER is not", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_must_still_refuse_sqlite_and_a_default_issuer_for_seeds()
    {
        var failures = Failures(OptionsBinding.Bind(("OAUTH2_CLUSTER_SEEDS", "akka.tcp://oauth2@127.0.0.1:4053")));

        Assert.Contains(failures, f => f.StartsWith("OAUTH2_CLUSTER_SEEDS is set but the database is SQLite", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("OAUTH2_CLUSTER_SEEDS is set but OAUTH2_ISSUER is not", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_must_refuse_discovery_on_every_interface_without_a_public_host()
    {
        Assert.Contains(
            Failures(Cluster(("OAUTH2_CLUSTER_DISCOVERY", "kubernetes"), ("OAUTH2_CLUSTER_HOST", "0.0.0.0"))),
            f => f.Contains("Set OAUTH2_CLUSTER_PUBLIC_HOST", StringComparison.Ordinal));
        Assert.Empty(Failures(Cluster(("OAUTH2_CLUSTER_DISCOVERY", "kubernetes"), ("OAUTH2_CLUSTER_HOST", "0.0.0.0"), ("OAUTH2_CLUSTER_PUBLIC_HOST", "10.1.2.3"))));
    }

    [Fact]
    public void Validator_must_refuse_kubernetes_discovery_with_an_empty_label_selector()
    {
        var failures = Failures(Cluster(("OAUTH2_CLUSTER_DISCOVERY", "kubernetes"), ("OAUTH2_CLUSTER_DISCOVERY_POD_LABEL_SELECTOR", " ")));

        Assert.Contains(failures, f => f.Contains("OAUTH2_CLUSTER_DISCOVERY_POD_LABEL_SELECTOR is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void Seeds_must_configure_the_seed_nodes_and_no_bootstrap()
    {
        var config = Hocon(Cluster(("OAUTH2_CLUSTER_SEEDS", "akka.tcp://oauth2@10.0.0.1:4053,akka.tcp://oauth2@10.0.0.2:4053")));

        Assert.Equal(["akka.tcp://oauth2@10.0.0.1:4053", "akka.tcp://oauth2@10.0.0.2:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.False(config.HasPath("akka.management.cluster.bootstrap"));
        Assert.False(config.HasPath("akka.discovery.config.services"));
    }

    [Fact]
    public void Config_discovery_must_configure_bootstrap_over_the_listed_endpoints()
    {
        var config = Hocon(Cluster(
            ("OAUTH2_CLUSTER_DISCOVERY", "config"),
            ("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003"),
            ("OAUTH2_CLUSTER_REQUIRED_CONTACTS", "3"),
            ("OAUTH2_CLUSTER_PUBLIC_HOST", "node1.example"),
            ("OAUTH2_MANAGEMENT_PORT", "9001")));

        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("config", config.GetString("akka.discovery.method"));
        Assert.Equal(["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"], config.GetStringList("akka.discovery.config.services.oauth2.endpoints"));
        AssertBootstrap(config, requiredContacts: 3, managementPort: 9001);
        // Several endpoints on one host are all kept (each is a node's management port).
        Assert.False(config.GetBoolean("akka.management.cluster.bootstrap.contact-point.filter-on-fallback-port"));
        Assert.Equal("node1.example", config.GetString("akka.management.http.hostname"));
        Assert.Equal("127.0.0.1", config.GetString("akka.management.http.bind-hostname"));
    }

    [Fact]
    public void Kubernetes_discovery_must_configure_bootstrap_over_the_pods_of_the_label_selector()
    {
        var config = Hocon(Cluster(
            ("OAUTH2_CLUSTER_DISCOVERY", "kubernetes"),
            ("OAUTH2_CLUSTER_HOST", "0.0.0.0"),
            ("OAUTH2_CLUSTER_PUBLIC_HOST", "10.1.2.3"),
            ("OAUTH2_CLUSTER_DISCOVERY_POD_LABEL_SELECTOR", "app.kubernetes.io/name=oauth2"),
            ("OAUTH2_CLUSTER_DISCOVERY_NAMESPACE", "identity")));

        Assert.Equal(KubernetesPodDiscovery.Method, config.GetString("akka.discovery.method"));
        Assert.Equal("app.kubernetes.io/name=oauth2", config.GetString($"{KubernetesPodDiscovery.ConfigPath}.pod-label-selector"));
        Assert.Equal("identity", config.GetString($"{KubernetesPodDiscovery.ConfigPath}.pod-namespace"));
        Assert.Equal("OAuth2.Actors.Server.Hosting.KubernetesPodDiscovery, OAuth2.Actors.Server", config.GetString($"{KubernetesPodDiscovery.ConfigPath}.class"));
        Assert.Equal(string.Empty, config.GetString($"{KubernetesPodDiscovery.ConfigPath}.api-url"));
        AssertBootstrap(config, requiredContacts: 2, managementPort: 8558);
        Assert.Equal("10.1.2.3", config.GetString("akka.management.http.hostname"));
        Assert.Equal("0.0.0.0", config.GetString("akka.management.http.bind-hostname"));
        Assert.Equal(new Uri("http://10.1.2.3:8558/"), ClusterMembership.SelfContactPoint(Cluster(("OAUTH2_CLUSTER_PUBLIC_HOST", "10.1.2.3"))));
    }

    [Fact]
    public void Kubernetes_discovery_must_read_the_namespace_from_the_pod_when_none_is_given()
    {
        var config = Hocon(Cluster(("OAUTH2_CLUSTER_DISCOVERY", "kubernetes")));

        Assert.Equal("app=oauth2", config.GetString($"{KubernetesPodDiscovery.ConfigPath}.pod-label-selector"));
        // Empty: the provider reads the service account's namespace file.
        Assert.Equal(string.Empty, config.GetString($"{KubernetesPodDiscovery.ConfigPath}.pod-namespace"));
    }

    /// <summary>
    /// The provider, loaded by Akka.Discovery from the HOCON the server produces, against a stand-in for the Kubernetes
    /// API on loopback (plain HTTP through <c>api-url</c>; in a pod it is the in-cluster HTTPS endpoint and token, which
    /// cannot be had here): it asks for the pods of the namespace and selector, and offers only running ones with an IP.
    /// </summary>
    [Fact]
    public async Task Kubernetes_provider_must_offer_the_running_pods_that_the_api_lists()
    {
        var requests = new List<string>();
        await using var api = await FakeKubernetesApi.Start(requests);
        var hocon = KubernetesPodDiscovery.Hocon("app=oauth2", "identity", api.Url);
        using var system = ActorSystem.Create("k8s-probe", ConfigurationFactory.ParseString(hocon));

        var provider = Discovery.Get(system).Default;
        var resolved = await provider.Lookup(new Lookup(ClusterMembership.ServiceName), TimeSpan.FromSeconds(10));

        Assert.IsType<KubernetesPodDiscovery>(provider);
        Assert.Equal(["/api/v1/namespaces/identity/pods labelSelector=app=oauth2"], requests);
        Assert.Equal(["10.0.0.11", "10.0.0.12"], resolved.Addresses.Select(a => a.Host));
        Assert.All(resolved.Addresses, a => Assert.Null(a.Port)); // bootstrap adds OAUTH2_MANAGEMENT_PORT
        Assert.Equal(IPAddress.Parse("10.0.0.11"), resolved.Addresses[0].Address);
    }

    [Fact]
    public async Task Kubernetes_provider_must_fail_the_lookup_when_the_api_refuses()
    {
        await using var api = await FakeKubernetesApi.Start([], status: StatusCodes.Status403Forbidden);
        using var system = ActorSystem.Create("k8s-probe", ConfigurationFactory.ParseString(KubernetesPodDiscovery.Hocon("app=oauth2", "identity", api.Url)));

        // Bootstrap logs a failed lookup and tries again later (with back-off): it must not read it as "no pods".
        await Assert.ThrowsAnyAsync<Exception>(() => Discovery.Get(system).Default.Lookup(new Lookup(ClusterMembership.ServiceName), TimeSpan.FromSeconds(10)));
    }

    private static void AssertBootstrap(Config config, int requiredContacts, int managementPort)
    {
        Assert.Equal(ClusterMembership.ServiceName, config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
        Assert.Equal(requiredContacts, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        Assert.Equal(managementPort, config.GetInt("akka.management.cluster.bootstrap.contact-point.fallback-port"));
        Assert.Equal(managementPort, config.GetInt("akka.management.http.port"));
        Assert.Equal(managementPort, config.GetInt("akka.management.http.bind-port"));
        // Started by the server's own startup (after its management endpoint listens), never by Akka.Management's HTTP server.
        Assert.DoesNotContain(config.GetStringList("akka.extensions"), e => e.Contains("ClusterBootstrapProvider", StringComparison.Ordinal));
    }
}
