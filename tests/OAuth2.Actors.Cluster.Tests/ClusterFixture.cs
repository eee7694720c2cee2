namespace OAuth2.Actors.Cluster.Tests;

/// <summary>One three-node cluster for a whole test class (started once: a cluster takes tens of seconds to form).</summary>
public class ClusterFixture : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly bool _discovery;
    private TestCluster? _cluster;

    public ClusterFixture()
        : this(new Dictionary<string, string>())
    {
    }

    protected ClusterFixture(IReadOnlyDictionary<string, string> settings, bool discovery = false)
    {
        _settings = settings;
        _discovery = discovery;
    }

    public async Task InitializeAsync()
    {
        // Without PostgreSQL (a developer's machine) the tests skip, and in CI they fail, in Require.
        if (Environment.GetEnvironmentVariable("OAUTH2_TEST_POSTGRES_URL") is { Length: > 0 })
        {
            _cluster = await TestCluster.Start(3, _settings, _discovery);
        }
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>The cluster, or the skip (a failure in CI) that says PostgreSQL is missing.</summary>
    public TestCluster Require()
    {
        if (_cluster is null)
        {
            _ = OAuth2.Actors.Events.Tests.Support.BrokerEnvironment.Require("OAUTH2_TEST_POSTGRES_URL", "PostgreSQL", ".ci/services/postgres.sh");
        }

        return _cluster ?? throw new InvalidOperationException("The cluster did not start.");
    }
}

/// <summary>
/// A cluster that loses nodes. The client authentication cache is off here, so every token request reaches its
/// client's entity and the tests measure entities moving, not a cache hiding them. A code issued before the restart
/// is redeemed after it, so codes live five minutes here.
/// </summary>
public sealed class RestartingClusterFixture() : ClusterFixture(new Dictionary<string, string>
{
    ["OAUTH2_CLIENT_CACHE_SECONDS"] = "0",
    ["OAUTH2_AUTHORIZATION_CODE_TTL"] = "300",
});

/// <summary>
/// As <see cref="RestartingClusterFixture"/>, with a two-second request timeout, so that a request that reached the
/// dead node answers quickly and is tried again: the recovery time is then measured to within a couple of seconds.
/// </summary>
public sealed class KilledNodeClusterFixture() : ClusterFixture(new Dictionary<string, string>
{
    ["OAUTH2_CLIENT_CACHE_SECONDS"] = "0",
    ["OAUTH2_REQUEST_TIMEOUT_SECONDS"] = "2",
});

/// <summary>A cluster that forms by Akka.Management cluster bootstrap over config discovery: no node is given seeds.</summary>
public sealed class DiscoveryClusterFixture() : ClusterFixture(new Dictionary<string, string>(), discovery: true);
