using System.Net.Http.Json;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Resource servers registered through <c>/admin/api/resources</c>, and the RFC 8707 token requests of the resource suites.</summary>
public static class ResourceServers
{
    public const string Path = "/admin/api/resources";

    /// <summary>A URI no other test uses (the suites share a host).</summary>
    public static string NewResource(string name = "api") => $"https://{name}-{Guid.NewGuid():N}.example.test/";

    /// <summary>Registers a resource server as the admin; returns its id.</summary>
    public static async Task<string> Register(TestHost host, string resource, string[] scopes, RegisteredClient introspector)
    {
        using var response = await host.Send(HttpMethod.Post, Path, await host.AdminToken(),
            JsonContent.Create(new { resource, scopes, client_id = introspector.ClientId }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Registering {resource} answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A new confidential client a resource server introspects as, and a resource server for it accepting <paramref name="scopes"/>.</summary>
    public static async Task<(string Resource, RegisteredClient Introspector)> NewResourceServer(TestHost host, params string[] scopes)
    {
        var introspector = await host.Register(scope: "read");
        var resource = NewResource();
        await Register(host, resource, scopes, introspector);
        return (resource, introspector);
    }

    /// <summary>client_credentials with RFC 8707 <c>resource</c> parameters.</summary>
    public static Task<TokenResponse> Token(TestHost host, RegisteredClient client, string? scope, params string[] resources)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = host.TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            Scope = scope,
        };
        foreach (var resource in resources)
        {
            request.Resource.Add(resource);
        }

        return host.Client.RequestClientCredentialsTokenAsync(request);
    }

    /// <summary>The token's <c>aud</c> claim, as a list.</summary>
    public static IReadOnlyList<string> Audiences(string accessToken) => new JsonWebToken(accessToken).Audiences.ToArray();
}
