using OAuth2.Actors.Events.Tests.Support;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// Three nodes on PostgreSQL whose one durable sink is Redis: a redis-server of the fixture's own (the CI one is stopped
/// and started by the Redis suite's outage tests, which may run at the same time), one stream for the class.
/// </summary>
public sealed class RedisSinkClusterFixture : IAsyncLifetime
{
    public const string Stream = "oauth2:cluster:events";

    private TestCluster? _cluster;

    public RedisProcess? Redis { get; private set; }

    public async Task InitializeAsync()
    {
        // Without PostgreSQL or redis-server (a developer's machine) the tests skip, and in CI they fail, in Require.
        if (Environment.GetEnvironmentVariable("OAUTH2_TEST_POSTGRES_URL") is not { Length: > 0 } || !RedisProcess.IsInstalled)
        {
            return;
        }

        Redis = await RedisProcess.StartNew();
        _cluster = await TestCluster.Start(3, new Dictionary<string, string>
        {
            ["OAUTH2_EVENTS_BACKEND"] = "redis",
            ["OAUTH2_EVENTS_REDIS_URL"] = Redis.Url,
            ["OAUTH2_EVENTS_REDIS_STREAM"] = Stream,
            // A request that reached the dead node answers within five seconds and the load goes on (short, yet not so short that a busy machine fails the setup).
            ["OAUTH2_REQUEST_TIMEOUT_SECONDS"] = "5",
            // The actors' own log (a consumer logs when it claims and releases its sink), with the time each line was logged.
            ["Logging__LogLevel__Akka.Actor.ActorSystem"] = "Information",
        });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    /// <summary>The cluster and its Redis, or the skip (a failure in CI) that says what is missing.</summary>
    public (TestCluster Cluster, RedisProcess Redis) Require()
    {
        if (_cluster is null)
        {
            _ = BrokerEnvironment.Require("OAUTH2_TEST_POSTGRES_URL", "PostgreSQL", ".ci/services/postgres.sh");
            const string reason = "redis-server is not on PATH: .ci/services/redis.sh start installs it";
            Assert.False(BrokerEnvironment.InCi, reason + " (CI=true: a broker test must not be skipped in CI)");
            Skip.If(true, reason);
        }

        return (_cluster ?? throw new InvalidOperationException("The cluster did not start."), Redis!);
    }
}
