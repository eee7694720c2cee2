using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.IdentityModel.JsonWebTokens;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>A cluster whose new signing keys are published two seconds before they sign.</summary>
public sealed class KeyRotationClusterFixture() : ClusterFixture(new Dictionary<string, string>
{
    ["OAUTH2_SIGNING_KEY_LEAD_SECONDS"] = "2",
});

/// <summary>
/// One key state for the whole cluster: a rotation asked of one node is published by every node when it answers, and
/// from its activation every node signs with the new key; tokens of either key verify on every node meanwhile.
/// </summary>
public sealed class KeyRotationClusterTests(KeyRotationClusterFixture fixture) : IClassFixture<KeyRotationClusterFixture>
{
    private static async Task<string> Rotate(ClusterNode node)
    {
        var admin = await TestCluster.AccessToken(node, TestCluster.Admin);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/api/keys/rotate");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var response = await node.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"rotate on {node.Name}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("key").GetProperty("kid").GetString()!;
    }

    private static async Task<string[]> JwksKids(ClusterNode node)
    {
        using var jwks = JsonDocument.Parse(await node.Http.GetStringAsync("/.well-known/jwks.json"));
        return jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToArray();
    }

    [SkippableFact]
    public async Task A_key_rotated_on_one_node_is_published_by_every_node_at_once_and_signs_on_every_node_after_the_lead()
    {
        var cluster = fixture.Require();
        var client = await TestCluster.Register(cluster.Nodes[0]);
        var before = await TestCluster.AccessToken(cluster.Nodes[1], client);

        var kid = await Rotate(cluster.Nodes[0]);

        foreach (var node in cluster.Nodes)
        {
            Assert.Contains(kid, await JwksKids(node));
        }

        foreach (var node in cluster.Nodes)
        {
            await Eventually.Until(async () => new JsonWebToken(await TestCluster.AccessToken(node, client)).Kid == kid, $"{node.Name} signs with {kid}", TimeSpan.FromSeconds(30));
        }

        foreach (var node in cluster.Nodes)
        {
            Assert.True(await TestCluster.IsActive(node, before), $"the token of the previous key on {node.Name}");
            Assert.True(await TestCluster.IsActive(node, await TestCluster.AccessToken(cluster.Nodes[0], client)), $"a token of the new key on {node.Name}");
        }
    }

    [SkippableFact]
    public async Task Tokens_issued_and_introspected_across_nodes_while_keys_rotate_never_fail()
    {
        var cluster = fixture.Require();
        var nodes = cluster.Nodes;
        var client = await TestCluster.Register(nodes[1]);
        var failures = new ConcurrentBag<string>();
        var kids = new ConcurrentDictionary<string, byte>();
        using var stop = new CancellationTokenSource();

        async Task Worker(int offset)
        {
            for (var i = offset; !stop.IsCancellationRequested; i++)
            {
                var issuer = nodes[i % nodes.Count];
                var checker = nodes[(i + 1) % nodes.Count];
                using var response = await TestCluster.Token(issuer, client);
                if (response.IsError)
                {
                    failures.Add($"token on {issuer.Name}: {response.Error} {response.Raw}");
                    continue;
                }

                kids.TryAdd(new JsonWebToken(response.AccessToken!).Kid, 0);
                if (!await TestCluster.IsActive(checker, response.AccessToken!))
                {
                    failures.Add($"a token of {issuer.Name} signed by {new JsonWebToken(response.AccessToken!).Kid} inactive on {checker.Name}");
                }
            }
        }

        var workers = Enumerable.Range(0, 3).Select(i => Task.Run(() => Worker(i))).ToArray();
        for (var rotation = 0; rotation < 2; rotation++)
        {
            var kid = await Rotate(nodes[rotation % nodes.Count]);
            await Eventually.Until(() => Task.FromResult(kids.ContainsKey(kid)), $"tokens signed by {kid}", TimeSpan.FromSeconds(30));
        }

        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.True(kids.Count >= 3, $"tokens were signed by {kids.Count} keys");
    }
}
