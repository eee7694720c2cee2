using System.Collections.Concurrent;
using System.Net.Http.Json;
using OAuth2.Actors.Events.Tests.Support;
using Xunit.Abstractions;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// A durable sink's consumer node is killed with kill -9 while it delivers: the sink moves to a survivor, which takes
/// it only once the dead node's lease has run out, and then delivers every event the survivors logged (duplicates
/// allowed, no gap), read back from the Redis stream by an independent consumer.
/// </summary>
public sealed class SinkMoveTests(RedisSinkClusterFixture fixture, ITestOutputHelper output) : IClassFixture<RedisSinkClusterFixture>
{
    private const string Sink = "redis";
    private const string ClaimedLine = "Event sink redis claimed by ";
    private const int Parallelism = 8;

    [SkippableFact]
    public async Task A_sink_whose_node_is_killed_must_move_after_the_lease_and_deliver_everything_with_one_consumer_at_a_time()
    {
        var (cluster, redis) = fixture.Require();
        await using var leases = new SinkLeaseObserver(cluster.Database.Url, Sink);
        await using var consumer = await TokenEventStream.Connect(redis, RedisSinkClusterFixture.Stream);

        // Who consumes the sink now: the node its status names (asked of any node), and the lease holder in the database.
        var before = await Status(cluster.Nodes[0], s => State(s) == "active" && NodeOf(cluster, s) is not null, "active on a node");
        var victim = NodeOf(cluster, before)!;
        var survivors = cluster.Nodes.Where(n => n != victim).ToArray();
        var clients = new List<RegisteredClient>();
        foreach (var node in survivors)
        {
            clients.AddRange(await TestCluster.RegisterMany(2, node));
        }

        // Traffic on the survivors only: every token they answer is logged by a node that lives, so every one must arrive.
        var answered = new ConcurrentQueue<(string Jti, DateTimeOffset At)>();
        using var stop = new CancellationTokenSource();
        var load = Drive(survivors, clients, answered, stop.Token);
        await Eventually.Until(
            async () => { await consumer.Read(); return consumer.Tokens.Count > 200; },
            "the sink to deliver the survivors' traffic before the kill",
            TimeSpan.FromSeconds(30));

        var answeredAtKill = answered.Count;
        var killedAt = DateTimeOffset.UtcNow;
        await victim.Kill();
        var deadAt = DateTimeOffset.UtcNow;
        cluster.Proxy.TakeOut(victim);

        // The sink comes back on a survivor, and traffic goes on a few seconds after it took over (live delivery there too).
        var after = await Status(survivors[0], s => State(s) == "active" && NodeOf(cluster, s) is { } n && n != victim, "active on a survivor", TimeSpan.FromSeconds(90));
        var takeover = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        var failed = await load;

        var jtis = answered.Select(a => a.Jti).ToArray();
        var all = await consumer.WaitForAll(jtis, TimeSpan.FromSeconds(60));
        var delivered = DateTimeOffset.UtcNow;
        var missing = consumer.Missing(jtis);

        // The lease history: the dead node's lease (read after the kill, when nobody renews it any more), when another
        // owner first appeared, and the first entry written to the stream after the kill.
        var seen = leases.Seen;
        var oldOwner = seen.Last(s => s.At < killedAt && s.Owner is not null).Owner!;
        var oldLease = seen.Where(s => s.Owner == oldOwner).Max(s => s.LeaseUntil!.Value);
        var firstNew = seen.FirstOrDefault(s => s.At > killedAt && s.Owner is not null && s.Owner != oldOwner);
        // (Entries written just after the process was gone may still be the dead node's last commands in Redis's buffers.)
        var firstWritten = consumer.Written.Where(w => w > deadAt + TimeSpan.FromMilliseconds(200)).Order().FirstOrDefault();
        var claims = cluster.Nodes.SelectMany(n => n.LogLines(ClaimedLine).Select(l => (Node: n, At: LoggedAt(l.Line) ?? l.At, l.Line))).OrderBy(c => c.At).ToArray();
        double Since(DateTimeOffset t) => (t - killedAt).TotalSeconds;
        output.WriteLine(
            $"consumer {victim.Name} ({oldOwner}) killed after {answeredAtKill} tokens; its lease ran out {Since(oldLease):0.0} s after the kill; " +
            $"new owner {firstNew?.Owner ?? "none"} seen {(firstNew is null ? "-" : $"{Since(firstNew.At):0.0} s")}, status active on {after.GetProperty("node")} {Since(takeover):0.0} s, " +
            $"first entry written after the kill {(firstWritten == default ? "-" : $"{Since(firstWritten):0.0} s")}; " +
            $"{jtis.Length} tokens answered by the survivors ({failed} requests failed), {jtis.Length - missing.Count} on the stream {Since(delivered):0.0} s after the kill " +
            $"({consumer.Entries} entries, {consumer.Duplicates} duplicates)");
        output.WriteLine("claims: " + string.Join("; ", claims.Select(c => $"{c.Node.Name} +{Since(c.At):0.0} s: {c.Line.Trim()}")));

        Assert.True(all, $"{missing.Count} of {jtis.Length} tokens answered by the survivors never reached the stream\n{cluster.Logs()}");
        Assert.True(OwnedBy(oldOwner, victim), $"the lease before the kill was {oldOwner}'s, not {victim.Name}'s ({victim.ClusterAddress})");
        Assert.NotNull(firstNew);
        Assert.Contains(survivors, n => OwnedBy(firstNew.Owner!, n));

        // One consumer at a time: no owner ever appeared while another's lease was still running ...
        for (var i = 1; i < seen.Count; i++)
        {
            var (previous, current) = (seen[i - 1], seen[i]);
            if (previous.Owner is not null && current.Owner is not null && current.Owner != previous.Owner)
            {
                var lease = seen.Take(i).Where(s => s.Owner == previous.Owner).Max(s => s.LeaseUntil!.Value);
                Assert.True(current.At >= lease, $"{current.Owner} held the sink at {current.At:O} while {previous.Owner}'s lease ran until {lease:O}");
            }
        }

        // ... the survivor wrote nothing to the stream before the dead node's lease ran out ...
        Assert.True(firstWritten >= oldLease, $"an entry was written {Since(firstWritten):0.000} s after the kill, before the dead consumer's lease ran out ({Since(oldLease):0.000} s)");

        // ... and the nodes' own logs: the dead node claimed it before the kill, a survivor after, nobody else in between.
        var claimedBefore = claims.Where(c => c.At < killedAt).ToArray();
        Assert.Equal(victim, claimedBefore.Last().Node);
        var claimedAfter = claims.Where(c => c.At >= killedAt).ToArray();
        var taker = Assert.Single(claimedAfter);
        Assert.Contains(firstNew.Owner!, taker.Line, StringComparison.Ordinal);
        Assert.True(taker.At >= oldLease, $"{taker.Node.Name} logged its claim {Since(taker.At):0.000} s after the kill, before the lease ran out ({Since(oldLease):0.000} s)");
    }

    /// <summary>Token requests on <paramref name="nodes"/> until <paramref name="stop"/>; the answered tokens' jtis in <paramref name="answered"/>; returns the failures.</summary>
    private static async Task<long> Drive(IReadOnlyList<ClusterNode> nodes, IReadOnlyList<RegisteredClient> clients, ConcurrentQueue<(string, DateTimeOffset)> answered, CancellationToken stop)
    {
        long failed = 0;
        await Task.WhenAll(Enumerable.Range(0, Parallelism).Select(async worker =>
        {
            for (var i = worker; !stop.IsCancellationRequested; i += Parallelism)
            {
                try
                {
                    using var response = await TestCluster.Token(nodes[i % nodes.Count], clients[i % clients.Count]);
                    if (response.IsError)
                    {
                        Interlocked.Increment(ref failed);
                        await Task.Delay(50, CancellationToken.None);
                    }
                    else
                    {
                        answered.Enqueue((TokenEventStream.JtiOf(response.AccessToken!), DateTimeOffset.UtcNow));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        return failed;
    }

    private static async Task<JsonElement> Status(ClusterNode node, Func<JsonElement, bool> done, string what, TimeSpan? within = null)
    {
        string? admin = null;
        return await Eventually.Until(
            async () =>
            {
                try
                {
                    if (admin is null)
                    {
                        // A busy node may answer a token request 503 within the suite's short request timeout: asked again.
                        using var token = await TestCluster.Token(node, TestCluster.Admin);
                        admin = token.IsError ? null : token.AccessToken;
                        if (admin is null)
                        {
                            return default;
                        }
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/api/sinks/{Sink}");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin);
                    using var response = await node.Http.SendAsync(request);
                    return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return default;
                }
            },
            s => s.ValueKind == JsonValueKind.Object && done(s),
            $"GET /admin/api/sinks/{Sink} on {node.Name}: {what}",
            within ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>The time an Akka log line carries (<c>[INFO][12/01/2026 08:42:50.514Z]...</c>), or null.</summary>
    private static DateTimeOffset? LoggedAt(string line)
    {
        var match = System.Text.RegularExpressions.Regex.Match(line, @"\]\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d{3})Z\]");
        return match.Success && DateTimeOffset.TryParseExact(match.Groups[1].Value, "MM/dd/yyyy HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;
    }

    /// <summary>A lease owner is the consumer's node address (host:port) and an id of that consumer.</summary>
    private static bool OwnedBy(string owner, ClusterNode node) => owner.Contains($"127.0.0.1:{node.ClusterPort}", StringComparison.Ordinal);

    private static string? State(JsonElement status) => status.TryGetProperty("state", out var state) ? state.GetString() : null;

    /// <summary>The node a sink status names as its consumer (matched by its cluster port), or null.</summary>
    private static ClusterNode? NodeOf(TestCluster cluster, JsonElement status) =>
        status.TryGetProperty("node", out var node) && node.GetString() is { } address
            ? cluster.Nodes.SingleOrDefault(n => address.Contains($":{n.ClusterPort}", StringComparison.Ordinal))
            : null;
}
