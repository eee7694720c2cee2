using System.Net.Http.Json;

namespace OAuth2.Actors.Server.Tests;

/// <summary>The resource-server admin API: /admin/api/resources with an admin access token; ProblemDetails errors.</summary>
public sealed class ResourceAdminTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string Path = ResourceServers.Path;

    private RegisteredClient _introspector = null!;

    /// <summary>Every method and path of the resource API.</summary>
    public static TheoryData<string, string> ResourceApiRequests => new()
    {
        { "GET", Path },
        { "POST", Path },
        { "GET", Path + "/some-id" },
        { "PUT", Path + "/some-id" },
        { "DELETE", Path + "/some-id" },
    };

    public override async Task InitializeAsync() => _introspector = await Host.Register(scope: "read");

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body = null, string? bearer = null) =>
        await Host.Send(method, path, bearer ?? await Host.AdminToken(), body is null ? null : JsonContent.Create(body));

    private object Body(string resource, string[]? scopes = null, string? clientId = null) =>
        new { resource, scopes = scopes ?? ["read", "write"], client_id = clientId ?? _introspector.ClientId };

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    private static async Task Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ResourceAdmin_must_create_read_list_replace_and_delete_a_resource_server()
    {
        var resource = ResourceServers.NewResource();

        using var created = await Send(HttpMethod.Post, Path, Body(resource));
        var server = await Json(created, HttpStatusCode.Created);
        var id = server.GetProperty("id").GetString()!;
        Assert.Equal($"{Path}/{id}", created.Headers.Location?.OriginalString);
        Assert.True(created.Headers.CacheControl?.NoStore == true);
        Assert.Equal(resource, server.GetProperty("resource").GetString());
        Assert.Equal(["read", "write"], server.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(_introspector.ClientId, server.GetProperty("client_id").GetString());
        Assert.True(server.TryGetProperty("created_at", out _));

        using (var read = await Send(HttpMethod.Get, created.Headers.Location!.OriginalString))
        {
            Assert.Equal(resource, (await Json(read, HttpStatusCode.OK)).GetProperty("resource").GetString());
        }

        using (var list = await Send(HttpMethod.Get, Path))
        {
            Assert.Contains((await Json(list, HttpStatusCode.OK)).GetProperty("resources").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        }

        var moved = ResourceServers.NewResource("moved");
        using (var replaced = await Send(HttpMethod.Put, $"{Path}/{id}", Body(moved, ["read"])))
        {
            var after = await Json(replaced, HttpStatusCode.OK);
            Assert.Equal(id, after.GetProperty("id").GetString());
            Assert.Equal(moved, after.GetProperty("resource").GetString());
            Assert.Equal(["read"], after.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        }

        using (var deleted = await Send(HttpMethod.Delete, $"{Path}/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await Send(HttpMethod.Get, $"{Path}/{id}");
        await Problem(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ResourceAdmin_delete_must_stop_tokens_being_issued_for_the_resource_and_its_server_introspecting_them()
    {
        var resource = ResourceServers.NewResource();
        var id = await ResourceServers.Register(Host, resource, ["read"], _introspector);
        var client = await Host.Register(scope: "read");
        using var issued = await ResourceServers.Token(Host, client, null, resource);
        Assert.False(issued.IsError, issued.Raw);

        using (var deleted = await Send(HttpMethod.Delete, $"{Path}/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var again = await ResourceServers.Token(Host, client, null, resource);
        OAuthAssert.Error(again, HttpStatusCode.BadRequest, "invalid_target");
        using var introspection = await Host.Introspect(issued.AccessToken!, _introspector);
        OAuthAssert.Inactive(introspection.Raw);
    }

    public static TheoryData<string> BadBodies => new()
    {
        """{"scopes":["read"],"client_id":"CLIENT"}""",
        """{"resource":"relative/path","scopes":["read"],"client_id":"CLIENT"}""",
        """{"resource":"https://api.example.test/#section","scopes":["read"],"client_id":"CLIENT"}""",
        """{"resource":"RESOURCE","scopes":[],"client_id":"CLIENT"}""",
        """{"resource":"RESOURCE","client_id":"CLIENT"}""",
        """{"resource":"RESOURCE","scopes":["read write"],"client_id":"CLIENT"}""",
        """{"resource":"RESOURCE","scopes":["bad\"scope"],"client_id":"CLIENT"}""",
        """{"resource":"RESOURCE","scopes":[null],"client_id":"CLIENT"}""",
        """{"resource":"RESOURCE","scopes":["read"]}""",
        """{"resource":"RESOURCE","scopes":["read"],"client_id":"no-such-client"}""",
        """{"resource":"RESOURCE","scopes":"read","client_id":"CLIENT"}""",
        """{"resource":42,"scopes":["read"],"client_id":"CLIENT"}""",
        """[]""",
        """not json""",
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task ResourceAdmin_must_answer_400_problem_for_a_bad_body(string template)
    {
        var body = template.Replace("RESOURCE", ResourceServers.NewResource(), StringComparison.Ordinal).Replace("CLIENT", _introspector.ClientId, StringComparison.Ordinal);

        foreach (var (method, path) in new[] { (HttpMethod.Post, Path), (HttpMethod.Put, $"{Path}/{await ExistingId()}") })
        {
            using var response = await Host.Send(method, path, await Host.AdminToken(), new StringContent(body, Encoding.UTF8, "application/json"));
            await Problem(response, HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task ResourceAdmin_must_answer_400_problem_for_a_public_introspecting_client()
    {
        var publicClient = await Host.RegisterCodeClient();

        using var response = await Send(HttpMethod.Post, Path, Body(ResourceServers.NewResource(), clientId: publicClient.ClientId));

        await Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ResourceAdmin_must_refuse_the_servers_own_audience_as_a_resource()
    {
        // Every ordinary token's aud is the issuer: a resource server there could introspect every token.
        using var response = await Send(HttpMethod.Post, Path, Body(Host.Issuer));

        await Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ResourceAdmin_must_answer_409_problem_for_a_resource_already_registered()
    {
        var resource = ResourceServers.NewResource();
        var id = await ResourceServers.Register(Host, resource, ["read"], _introspector);
        var otherId = await ResourceServers.Register(Host, ResourceServers.NewResource(), ["read"], _introspector);

        using var duplicate = await Send(HttpMethod.Post, Path, Body(resource));
        using var movedOnto = await Send(HttpMethod.Put, $"{Path}/{otherId}", Body(resource));
        using var same = await Send(HttpMethod.Put, $"{Path}/{id}", Body(resource, ["write"]));

        await Problem(duplicate, HttpStatusCode.Conflict);
        await Problem(movedOnto, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
    }

    [Theory]
    [InlineData("GET", "no-such-id")]
    [InlineData("PUT", "no-such-id")]
    [InlineData("DELETE", "no-such-id")]
    [InlineData("GET", "bad%20id")]
    [InlineData("DELETE", "x%2F..%2Fy")]
    public async Task ResourceAdmin_must_answer_404_problem_for_an_unknown_id(string method, string id)
    {
        using var response = await Send(new HttpMethod(method), $"{Path}/{id}", method == "PUT" ? Body(ResourceServers.NewResource()) : null);

        await Problem(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(ResourceApiRequests))]
    public async Task ResourceAdmin_must_answer_403_to_a_token_without_admin_scope(string method, string path)
    {
        var (_, token) = await Host.RegisterWithToken(scope: "read write");

        using var response = await Send(new HttpMethod(method), path, method is "POST" or "PUT" ? Body(ResourceServers.NewResource()) : null, bearer: token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ResourceApiRequests))]
    public async Task ResourceAdmin_must_answer_401_without_a_token(string method, string path)
    {
        using var response = await Host.Send(new HttpMethod(method), path, null, method is "POST" or "PUT" ? JsonContent.Create(Body(ResourceServers.NewResource())) : null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    private async Task<string> ExistingId() => await ResourceServers.Register(Host, ResourceServers.NewResource("existing"), ["read"], _introspector);
}
