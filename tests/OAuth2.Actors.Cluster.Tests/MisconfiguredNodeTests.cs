namespace OAuth2.Actors.Cluster.Tests;

/// <summary>A node that would silently split a cluster stops at start, naming the setting, as a real process.</summary>
public sealed class MisconfiguredNodeTests
{
    [Theory]
    [InlineData("sqlite", "OAUTH2_DATABASE_URL")]
    [InlineData("no-issuer", "OAUTH2_ISSUER")]
    public async Task A_node_with_seeds_stops_at_start_naming_the_setting(string mistake, string setting)
    {
        var environment = new Dictionary<string, string>
        {
            ["OAUTH2_CLUSTER_SEEDS"] = "akka.tcp://oauth2@127.0.0.1:1",
        };
        if (mistake == "sqlite")
        {
            environment["OAUTH2_ISSUER"] = "http://127.0.0.1:1";
        }
        else
        {
            environment["OAUTH2_DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/postgres";
        }

        await using var node = new ClusterNode("misconfigured-" + mistake, environment);
        node.Start();

        var exitCode = await node.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(setting, node.Log(200), StringComparison.Ordinal);
        Assert.Contains("OAUTH2_CLUSTER_SEEDS", node.Log(200), StringComparison.Ordinal);
    }
}
