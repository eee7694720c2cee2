using Xunit.Abstractions;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// Three nodes sharing PostgreSQL and one issuer act as one authorization server: every step of every flow may land
/// on any node.
/// </summary>
public sealed class CrossNodeFlowTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [SkippableFact]
    public async Task A_client_registered_on_one_node_gets_a_token_on_another_that_introspects_active_on_the_third()
    {
        var (n1, n2, n3) = Nodes();
        var client = await TestCluster.Register(n1);

        var token = await TestCluster.AccessToken(n2, client);

        Assert.True(await TestCluster.IsActive(n3, token));
        Assert.True(await TestCluster.IsActive(n1, token));
    }

    [SkippableFact]
    public async Task Every_node_signs_with_the_one_key_every_node_publishes()
    {
        var cluster = fixture.Require();
        var keys = new HashSet<string>();
        foreach (var node in cluster.Nodes)
        {
            using var jwks = JsonDocument.Parse(await node.Http.GetStringAsync("/.well-known/jwks.json"));
            keys.Add(Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray()).GetProperty("kid").GetString()!);
        }

        Assert.Single(keys);
    }

    [SkippableFact]
    public async Task A_token_revoked_on_one_node_is_inactive_on_every_other_node_when_the_revoke_answers()
    {
        var (n1, n2, n3) = Nodes();
        var client = await TestCluster.Register(n2);
        var answered = new List<TimeSpan>();
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var token = await TestCluster.AccessToken(n3, client);
            Assert.True(await TestCluster.IsActive(n2, token));
            Assert.True(await TestCluster.IsActive(n3, token));

            var revoke = System.Diagnostics.Stopwatch.StartNew();
            await TestCluster.Revoke(n1, token, client);
            answered.Add(revoke.Elapsed);

            // No waiting: the revoke answered only once every reachable node had it.
            Assert.False(await TestCluster.IsActive(n2, token), $"attempt {attempt}: still active on node2");
            Assert.False(await TestCluster.IsActive(n3, token), $"attempt {attempt}: still active on node3");
            Assert.False(await TestCluster.IsActive(n1, token), $"attempt {attempt}: still active on node1");
        }

        // The time to answer is the time to reach every node: the revoke answers once all of them have it.
        var sorted = answered.Order().ToArray();
        output.WriteLine($"revoke answered (= on every node) after p50 {sorted[sorted.Length / 2].TotalMilliseconds:0.0} ms, p99 {sorted[^1].TotalMilliseconds:0.0} ms over {sorted.Length}");
    }

    [SkippableFact]
    public async Task Sign_in_consent_code_redemption_and_refresh_each_work_on_a_different_node()
    {
        var (n1, n2, n3) = Nodes();
        var user = await TestCluster.CreateUser(n1);
        var client = await TestCluster.RegisterCodeClient(n2);
        var pkce = Pkce.New();

        // Authorization request on node 1, sign-in form from node 2 posted to node 3 (its CSRF token and cookie made on
        // node 2), consent page shown by node 1 with node 3's session, consent posted to node 2.
        var code = await TestCluster.AuthorizeCode(user, client, pkce, authorizeOn: n1, loginPageOn: n2, loginPostOn: n3, consentPageOn: n1, consentPostOn: n2);

        // The code is redeemed on node 3 and the refresh token used on node 1.
        using var tokens = await TestCluster.RedeemCode(n3.Http, client, code, pkce);
        Assert.False(tokens.IsError, $"code on node3: {tokens.Error} {tokens.Raw}");
        using var refreshed = await TestCluster.Refresh(n1.Http, client, tokens.RefreshToken!);
        Assert.False(refreshed.IsError, $"refresh on node1: {refreshed.Error} {refreshed.Raw}");
        Assert.True(await TestCluster.IsActive(n2, refreshed.AccessToken!));

        // A replay of the code on node 2 is recognised as one, and revokes what it granted.
        using var replay = await TestCluster.RedeemCode(n2.Http, client, code, pkce);
        Assert.Equal("invalid_grant", replay.Error);
        Assert.False(await TestCluster.IsActive(n3, refreshed.AccessToken!));
    }

    [SkippableFact]
    public async Task The_browser_flow_in_chromium_works_behind_a_balancer_that_sends_each_request_to_another_node()
    {
        BrowserFlowScript.Require();
        var cluster = fixture.Require();
        var user = await TestCluster.CreateUser(cluster.Nodes[0]);
        var client = await TestCluster.RegisterCodeClient(cluster.Nodes[1]);
        var pkce = Pkce.New();
        var served = cluster.Proxy.Served.Count;

        var run = await BrowserFlowScript.Run(
            cluster.Issuer,
            cluster.Issuer + TestBrowser.AuthorizeQuery(client, pkce, "read write", "chromium-cross-node"),
            TestCluster.RedirectUri,
            user,
            "allow",
            output,
            cluster.Logs);

        Assert.True(run.LoginShown && run.ConsentShown, run.Raw);
        var response = new AuthorizeResponse(run.FinalUrl);
        Assert.False(response.IsError, run.FinalUrl);
        Assert.Equal(cluster.Issuer, response.Issuer);
        var nodesUsed = cluster.Proxy.Served.Skip(served).Distinct().Count();
        Assert.Equal(cluster.Nodes.Count, nodesUsed);
        using var http = new HttpClient { BaseAddress = new Uri(cluster.Issuer) };
        using var tokens = await TestCluster.RedeemCode(http, client, response.Code!, pkce);
        Assert.False(tokens.IsError, $"{tokens.Error} {tokens.Raw}");
    }

    private (ClusterNode, ClusterNode, ClusterNode) Nodes()
    {
        var nodes = fixture.Require().Nodes;
        return (nodes[0], nodes[1], nodes[2]);
    }
}
