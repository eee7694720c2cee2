using System.Diagnostics;
using Xunit.Abstractions;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>A node stopped the way an orchestrator stops it (SIGTERM), one after the other, under load.</summary>
public sealed class RollingRestartTests(RestartingClusterFixture fixture, ITestOutputHelper output) : IClassFixture<RestartingClusterFixture>
{
    private const int Clients = 24;

    [SkippableFact]
    public async Task A_rolling_restart_under_load_fails_no_request_and_loses_nothing()
    {
        var cluster = fixture.Require();
        var clients = await TestCluster.RegisterMany(Clients, cluster.Nodes[0]);
        var revoked = await TestCluster.AccessToken(cluster.Nodes[1], clients[0]);
        await TestCluster.Revoke(cluster.Nodes[1], revoked, clients[0]);

        using var load = new CancellationTokenSource();
        var failures = new List<string>();
        var succeeded = 0;
        using var http = new HttpClient { BaseAddress = new Uri(cluster.Proxy.Url), Timeout = TimeSpan.FromSeconds(30) };
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = w; !load.IsCancellationRequested; i++)
            {
                var client = clients[i % clients.Count];
                try
                {
                    using var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest { Address = "/oauth/token", ClientId = client.ClientId, ClientSecret = client.ClientSecret });
                    if (response.IsError)
                    {
                        lock (failures)
                        {
                            failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {(int)response.HttpStatusCode} {response.Error} {response.Raw}");
                        }
                    }
                    else
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !load.IsCancellationRequested)
                {
                    lock (failures)
                    {
                        failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        })).ToArray();

        foreach (var node in cluster.Nodes)
        {
            // As a balancer that follows /ready: no new requests to the node, then SIGTERM; it leaves the cluster,
            // hands its shards off and exits; it starts again, joins, and goes back into rotation once ready.
            cluster.Proxy.TakeOut(node);
            var stopwatch = Stopwatch.StartNew();
            await node.Terminate(TimeSpan.FromSeconds(60));
            output.WriteLine($"{node.Name} stopped after SIGTERM in {stopwatch.Elapsed.TotalSeconds:0.0} s (exit {node.ExitCode})");
            node.Start();
            await cluster.WaitUntilFormed(cluster.Nodes, TimeSpan.FromSeconds(120));
            output.WriteLine($"{node.Name} back and ready after {stopwatch.Elapsed.TotalSeconds:0.0} s");
            cluster.Proxy.PutBack(node);
        }

        await load.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"{succeeded} token requests succeeded during the rolling restart, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} requests failed during the rolling restart:\n{string.Join('\n', failures.Take(20))}\n{cluster.Logs()}");
        Assert.True(succeeded > 0);

        // Nothing was lost: every client still authenticates on every node, and the revocation still holds.
        foreach (var node in cluster.Nodes)
        {
            foreach (var client in clients)
            {
                await TestCluster.AccessToken(node, client);
            }

            Assert.False(await TestCluster.IsActive(node, revoked));
        }
    }
}
