namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// Three server processes started with <c>OAUTH2_CLUSTER_DISCOVERY=config</c> and each other's management endpoints,
/// no seeds: cluster bootstrap must make them one cluster (the lowest contact point forms it, the others join), and
/// that cluster must serve a flow across nodes as the seeded one does.
/// </summary>
public sealed class DiscoveryClusterTests(DiscoveryClusterFixture fixture) : IClassFixture<DiscoveryClusterFixture>
{
    [SkippableFact]
    public async Task Nodes_given_only_each_others_management_endpoints_must_form_one_cluster()
    {
        var cluster = fixture.Require();

        var views = new List<JsonElement>();
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await node.ReadyWith(3), $"{node.Name} does not see 3 members up.\n{cluster.Logs()}");
            views.Add((await node.Ready())!.Value.GetProperty("checks").GetProperty("cluster"));
        }

        // One cluster, not three of one or one and two: every node names the same leader, and each is a member of it.
        Assert.Single(views.Select(v => v.GetProperty("leader").GetString()).Distinct());
        Assert.Equal(
            cluster.Nodes.Select(n => n.ClusterAddress).Order(),
            views.Select(v => v.GetProperty("self").GetString()!).Order());
    }

    [SkippableFact]
    public async Task A_discovered_cluster_must_serve_a_client_registered_on_another_node()
    {
        var cluster = fixture.Require();
        var (first, second, third) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);

        var client = await TestCluster.Register(first);
        var token = await TestCluster.AccessToken(second, client);

        Assert.True(await TestCluster.IsActive(third, token));
    }
}
