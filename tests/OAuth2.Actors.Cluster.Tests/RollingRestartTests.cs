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
        var (n1, n2, n3) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var clients = await TestCluster.RegisterMany(Clients, n1);
        var revoked = await TestCluster.AccessToken(n2, clients[0]);
        await TestCluster.Revoke(n2, revoked, clients[0]);

        // State of every kind before the restart: a user, a code not yet redeemed, a refresh-token family.
        var user = await TestCluster.CreateUser(n1);
        var codeClient = await TestCluster.RegisterCodeClient(n2);
        var pendingPkce = Pkce.New();
        var pendingCode = await TestCluster.AuthorizeCode(user, codeClient, pendingPkce, n1, n2, n3, n1, n2);
        var refreshPkce = Pkce.New();
        using var family = await TestCluster.RedeemCode(n3.Http, codeClient, await TestCluster.AuthorizeCode(user, codeClient, refreshPkce, n2, n3, n1, n2, n3), refreshPkce);
        Assert.False(family.IsError, family.Raw);

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

        // Nothing was lost: the code redeems, the refresh token rotates, the user signs in again (a new code), every
        // client still authenticates on every node, and the revocation still holds.
        using var redeemed = await TestCluster.RedeemCode(n1.Http, codeClient, pendingCode, pendingPkce);
        Assert.False(redeemed.IsError, $"the code issued before the restart: {redeemed.Raw}");
        using var rotated = await TestCluster.Refresh(n2.Http, codeClient, family.RefreshToken!);
        Assert.False(rotated.IsError, $"the refresh token issued before the restart: {rotated.Raw}");
        var again = Pkce.New();
        using var signedInAgain = await TestCluster.RedeemCode(n3.Http, codeClient, await TestCluster.AuthorizeCode(user, codeClient, again, n3, n1, n2, n3, n1), again);
        Assert.False(signedInAgain.IsError, signedInAgain.Raw);
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
