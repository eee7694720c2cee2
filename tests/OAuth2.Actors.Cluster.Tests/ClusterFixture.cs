namespace OAuth2.Actors.Cluster.Tests;

/// <summary>One three-node cluster for a whole test class (started once: a cluster takes tens of seconds to form).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster did not start (see the first test's failure).");

    public async Task InitializeAsync()
    {
        // Without PostgreSQL (a developer's machine) the tests skip, and in CI they fail, in ClusterDatabase.Create.
        if (Environment.GetEnvironmentVariable("OAUTH2_TEST_POSTGRES_URL") is { Length: > 0 })
        {
            _cluster = await TestCluster.Start();
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

        return Cluster;
    }
}
