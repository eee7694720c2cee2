using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The cluster as this node sees it, on the server's meter: members by status, unreachable members, and the shards of
/// each entity type this node hosts (asked of the local shard regions every <see cref="ShardPollInterval"/>; the
/// gauges read the last answers, so a scrape never waits on an actor).
/// </summary>
public sealed class ClusterMetrics(ActorSystem system, OAuth2Metrics metrics, ILogger<ClusterMetrics> logger) : BackgroundService
{
    public static readonly TimeSpan ShardPollInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, int> _shards = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var meter = metrics.Meter;
        meter.CreateObservableGauge("oauth2.cluster.members", () => Members(cluster), "{member}", "Cluster members by status (joining, up, leaving, exiting, down...), as this node sees them.");
        meter.CreateObservableGauge("oauth2.cluster.members.unreachable", () => cluster.State.Unreachable.Count, "{member}", "Members this node's failure detector marks unreachable.");
        meter.CreateObservableGauge("oauth2.cluster.shards", Shards, "{shard}", "Shards of each entity type hosted on this node.");

        using var timer = new PeriodicTimer(ShardPollInterval);
        try
        {
            do
            {
                await PollShards(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static IEnumerable<Measurement<int>> Members(Akka.Cluster.Cluster cluster) =>
        cluster.State.Members
            .GroupBy(m => m.Status)
            .Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("oauth2.member.status", g.Key.ToString().ToLowerInvariant())));

    private IEnumerable<Measurement<int>> Shards() =>
        _shards.Select(s => new Measurement<int>(s.Value, new KeyValuePair<string, object?>("oauth2.entity.type", s.Key)));

    private async Task PollShards(CancellationToken stoppingToken)
    {
        var sharding = ClusterSharding.Get(system);
        foreach (var typeName in sharding.ShardTypeNames)
        {
            try
            {
                var state = await sharding.ShardRegion(typeName).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(false);
                _shards[typeName] = state.Shards.Count;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A region busy handing off, or stopping with the node: the gauge keeps its last count until the next poll.
                logger.LogDebug("Shard region {TypeName} did not report its shards ({Error})", typeName, e.GetType().Name);
            }
        }
    }
}
