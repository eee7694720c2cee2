using System.Diagnostics;
using Xunit.Abstractions;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>A cluster that has a real revocation volume (100,000 revoked tokens), and a node that joins it afterwards.</summary>
public sealed class LateJoinerTests(LateJoinerTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<LateJoinerTests.Fixture>
{
    private const int Revocations = 100_000;
    private const int Concurrency = 48;

    [SkippableFact]
    public async Task A_node_that_joins_later_has_every_revocation_before_it_serves_introspection()
    {
        var cluster = fixture.Require();
        var client = await TestCluster.Register(cluster.Nodes[0], "read");
        using var http = new HttpClient { BaseAddress = new Uri(cluster.Proxy.Url), Timeout = TimeSpan.FromSeconds(60) };

        var revoked = new string[Revocations];
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < Revocations; i = Interlocked.Increment(ref next))
            {
                using var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest { Address = "/oauth/token", ClientId = client.ClientId, ClientSecret = client.ClientSecret });
                Assert.False(token.IsError, $"token {i}: {token.Error} {token.Raw}");
                using var revoke = await http.RevokeTokenAsync(new TokenRevocationRequest { Address = "/oauth/revoke", ClientId = client.ClientId, ClientSecret = client.ClientSecret, Token = token.AccessToken! });
                Assert.False(revoke.IsError, $"revoke {i}: {revoke.Error} {revoke.Raw}");
                revoked[i] = token.AccessToken!;
            }
        })));
        output.WriteLine($"{Revocations} tokens issued and revoked in {stopwatch.Elapsed.TotalSeconds:0} s");

        // A fourth node joins; once it is ready (its view loaded every bucket), every one of them is inactive there.
        stopwatch.Restart();
        var late = await cluster.Join(TimeSpan.FromSeconds(180));
        output.WriteLine($"node4 joined and was ready in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        var sample = Enumerable.Range(0, 200).Select(i => revoked[i * (Revocations / 200)]).Append(revoked[^1]).ToArray();
        foreach (var token in sample)
        {
            Assert.False(await TestCluster.IsActive(late, token), "a revoked token is active on the node that joined later");
        }

        // And a token issued now is active there (the node serves, it does not refuse everything).
        Assert.True(await TestCluster.IsActive(late, await TestCluster.AccessToken(cluster.Nodes[0], client)));
    }

    /// <summary>A cluster of its own: the revocations and the fourth node must not meet the other suites' tests.</summary>
    public sealed class Fixture : ClusterFixture;
}
