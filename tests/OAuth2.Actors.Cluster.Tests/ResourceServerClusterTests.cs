using System.Net.Http.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Xunit.Abstractions;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// RFC 8707 resource servers are one registry for the cluster: a change made through any node is known to every node
/// when it is answered, for token requests and for introspection.
/// </summary>
public sealed class ResourceServerClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [SkippableFact]
    public async Task A_resource_server_registered_on_one_node_is_known_to_every_node_when_the_registration_answers()
    {
        var nodes = fixture.Require().Nodes;
        var (n1, n2, n3) = (nodes[0], nodes[1], nodes[2]);
        var introspector = await TestCluster.Register(n1, "read");
        var client = await TestCluster.Register(n2, "read write");
        var resource = $"https://api-{Guid.NewGuid():N}.example.test/";

        var id = await Send(n1, HttpMethod.Post, "/admin/api/resources", new { resource, scopes = new[] { "read" }, client_id = introspector.ClientId }, HttpStatusCode.Created);

        // No waiting: the registration answered once every node had it.
        var token = await Token(n2, client, resource);
        Assert.Equal([resource], new JsonWebToken(token).Audiences);
        Assert.True(await Introspect(n3, token, introspector), "the audience's resource server must see the token active on node3");
        Assert.True(await Introspect(n1, token, introspector), "the audience's resource server must see the token active on node1");

        await Send(n3, HttpMethod.Delete, $"/admin/api/resources/{id}", null, HttpStatusCode.NoContent);

        foreach (var node in nodes)
        {
            using var refused = await Request(node, client, resource);
            Assert.True(refused.IsError && refused.Error == "invalid_target", $"{node.Name} still issues for a removed resource: {refused.Raw}");
            Assert.False(await Introspect(node, token, introspector), $"{node.Name} still answers the removed resource server");
        }

        output.WriteLine($"resource server {id} registered on {n1.Name}, used on {n2.Name} and {n3.Name}, removed on {n3.Name}");
    }

    private static async Task<string?> Send(ClusterNode node, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        var admin = await TestCluster.AccessToken(node, TestCluster.Admin);
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin);
        using var response = await node.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} on {node.Name}: {(int)response.StatusCode} {text}");
        return body is null ? null : JsonDocument.Parse(text).RootElement.GetProperty("id").GetString();
    }

    private static Task<TokenResponse> Request(ClusterNode node, RegisteredClient client, string resource) =>
        node.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/oauth/token",
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            Resource = { resource },
        });

    private static async Task<string> Token(ClusterNode node, RegisteredClient client, string resource)
    {
        using var response = await Request(node, client, resource);
        Assert.False(response.IsError, $"token for {resource} on {node.Name}: {response.Raw}");
        return response.AccessToken!;
    }

    private static async Task<bool> Introspect(ClusterNode node, string token, RegisteredClient caller)
    {
        using var response = await node.Http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = "/oauth/introspect",
            ClientId = caller.ClientId,
            ClientSecret = caller.ClientSecret,
            Token = token,
        });
        Assert.False(response.IsError, $"introspection on {node.Name}: {response.Error} {response.Raw}");
        return response.IsActive;
    }
}
