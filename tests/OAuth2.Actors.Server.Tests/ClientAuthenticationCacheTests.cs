using System.Text.Json.Nodes;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The node remembers client authentications that succeeded (OAUTH2_CLIENT_CACHE_SECONDS): every check below first
/// authenticates the client twice, so the memory is warm, and shows that a change to the client wins over it at once,
/// that other credentials still go to the client's entity, and that no event is lost to it.
/// </summary>
public sealed class ClientAuthenticationCacheTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task A_deleted_client_must_be_refused_at_once_although_it_has_just_authenticated()
    {
        var client = await WarmClient("read");

        using var deleted = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, client.RegistrationAccessToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var refused = await Host.RequestToken(client);
        Assert.Equal("invalid_client", TestHost.OAuthError(refused));
    }

    [Fact]
    public async Task A_scope_taken_away_by_an_update_must_be_refused_at_once_although_the_client_has_just_used_it()
    {
        var client = await WarmClient("read write", scope: "write");
        var update = new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_name"] = "narrowed",
            ["grant_types"] = new JsonArray("client_credentials"),
            ["token_endpoint_auth_method"] = "client_secret_basic",
            ["scope"] = "read",
        };

        using var updated = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, JsonContent.Create(update));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        using var refused = await Host.RequestToken(client, scope: "write");
        Assert.Equal("invalid_scope", TestHost.OAuthError(refused));
        using var allowed = await Host.RequestToken(client, scope: "read");
        Assert.False(allowed.IsError, allowed.Raw);
    }

    [Fact]
    public async Task A_wrong_secret_must_be_refused_and_published_after_the_right_one_succeeded()
    {
        var client = await WarmClient("read");
        var correlation = Guid.NewGuid().ToString("N");

        using var refused = await Host.RequestToken(client.ClientId, "not-the-secret-of-this-client-0123456789", correlationId: correlation);

        Assert.Equal("invalid_client", TestHost.OAuthError(refused));
        var failure = await Host.WaitForEvent("client_validated", correlation, client.ClientId);
        Assert.Equal("false", failure.Event().GetProperty("metadata").GetProperty("success").GetString());
    }

    [Fact]
    public async Task An_authentication_the_node_remembered_must_still_publish_client_validated()
    {
        var client = await WarmClient("read");
        var correlations = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid().ToString("N")).ToArray();

        foreach (var correlation in correlations)
        {
            using var token = await Host.RequestToken(client, correlationId: correlation);
            Assert.False(token.IsError, token.Raw);
        }

        foreach (var correlation in correlations)
        {
            var validated = await Host.WaitForEvent("client_validated", correlation, client.ClientId);
            var metadata = validated.Event().GetProperty("metadata");
            Assert.Equal("true", metadata.GetProperty("success").GetString());
            Assert.Equal("client_secret_basic", metadata.GetProperty("auth_method").GetString());
        }
    }

    /// <summary>A registered client_credentials client that has just authenticated twice (the second time from memory).</summary>
    private async Task<RegisteredClient> WarmClient(string registeredScope, string? scope = null)
    {
        var client = await Host.Register(scope: registeredScope);
        for (var i = 0; i < 2; i++)
        {
            using var token = await Host.RequestToken(client, scope: scope);
            Assert.False(token.IsError, token.Raw);
        }

        return client;
    }
}
