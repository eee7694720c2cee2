namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// RFC 7662 2.1 and 4: introspection tells a token's details only to the resource server in its audience, the client it
/// was issued to, or an admin client; every other authenticated client gets <c>active: false</c>. Refresh tokens are
/// introspected for their own client.
/// </summary>
public sealed class ResourceIntrospectionTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private RegisteredClient _client = null!;
    private string _resource = null!;
    private RegisteredClient _audience = null!;
    private RegisteredClient _foreign = null!;

    public override async Task InitializeAsync()
    {
        _client = await Host.Register(scope: "read write");
        (_resource, _audience) = await ResourceServers.NewResourceServer(Host, "read");
        // Another registered resource server, with its own audience.
        (_, _foreign) = await ResourceServers.NewResourceServer(Host, "read");
    }

    private async Task<string> TokenForResource()
    {
        using var response = await ResourceServers.Token(Host, _client, scope: null, _resource);
        Assert.False(response.IsError, response.Raw);
        return response.AccessToken!;
    }

    [Fact]
    public async Task Introspection_by_a_resource_server_outside_the_audience_must_answer_inactive()
    {
        var token = await TokenForResource();

        using var response = await Host.Introspect(token, _foreign);

        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_by_an_unrelated_confidential_client_must_answer_inactive_for_a_default_audience_token()
    {
        var token = await Host.AccessToken(_client);
        var stranger = await Host.Register(scope: "read");

        using var response = await Host.Introspect(token, stranger);

        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_by_a_caller_outside_the_audience_must_be_published_as_a_refused_validation_only()
    {
        var token = await Host.AccessToken(_client);
        var jti = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Id;
        var stranger = await Host.Register(scope: "read");

        using var response = await Host.Introspect(token, stranger);

        OAuthAssert.Inactive(response.Raw);
        var validated = await Host.WaitForEventsOfType("token_validated", e => e.GetProperty("metadata").GetProperty("jti").GetString() == jti);
        var refused = Assert.Single(validated);
        Assert.Equal("false", refused.GetProperty("metadata").GetProperty("success").GetString());
        Assert.Equal("caller_not_in_audience", refused.GetProperty("metadata").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Introspection_by_the_resource_server_of_the_audience_must_answer_active()
    {
        var token = await TokenForResource();

        using var response = await Host.Introspect(token, _audience);

        Assert.True(response.IsActive, response.Raw);
        Assert.Equal(_client.ClientId, response.ClientId);
        Assert.Equal(_resource, response.Json!.Value.GetProperty("aud").GetString());
        Assert.Equal("read", response.Json.Value.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Introspection_by_the_client_the_token_was_issued_to_must_answer_active()
    {
        var token = await TokenForResource();

        using var response = await Host.Introspect(token, _client);

        Assert.True(response.IsActive, response.Raw);
    }

    [Fact]
    public async Task Introspection_by_an_admin_client_must_answer_active()
    {
        var token = await TokenForResource();

        using var response = await Host.Introspect(token, TestHost.Admin);

        Assert.True(response.IsActive, response.Raw);
    }

    [Fact]
    public async Task Introspection_of_a_token_for_two_resources_must_answer_each_resource_server_and_list_both()
    {
        var (second, secondServer) = await ResourceServers.NewResourceServer(Host, "write");
        using var issued = await ResourceServers.Token(Host, _client, scope: null, _resource, second);
        Assert.False(issued.IsError, issued.Raw);

        using var first = await Host.Introspect(issued.AccessToken!, _audience);
        using var other = await Host.Introspect(issued.AccessToken!, secondServer);
        using var foreign = await Host.Introspect(issued.AccessToken!, _foreign);

        Assert.True(first.IsActive, first.Raw);
        Assert.True(other.IsActive, other.Raw);
        Assert.Equal([_resource, second], first.Json!.Value.GetProperty("aud").EnumerateArray().Select(a => a.GetString()));
        OAuthAssert.Inactive(foreign.Raw);
    }

    [Fact]
    public async Task Introspection_must_follow_a_change_of_the_resource_servers_introspecting_client_at_once()
    {
        var (resource, before) = await ResourceServers.NewResourceServer(Host, "read");
        var id = await IdOf(resource);
        var after = await Host.Register(scope: "read");
        using var issued = await ResourceServers.Token(Host, _client, scope: null, resource);

        using (var replaced = await Host.Send(HttpMethod.Put, $"{ResourceServers.Path}/{id}", await Host.AdminToken(),
            System.Net.Http.Json.JsonContent.Create(new { resource, scopes = new[] { "read" }, client_id = after.ClientId })))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        }

        using var byNew = await Host.Introspect(issued.AccessToken!, after);
        using var byOld = await Host.Introspect(issued.AccessToken!, before);

        Assert.True(byNew.IsActive, byNew.Raw);
        OAuthAssert.Inactive(byOld.Raw);
    }

    [Fact]
    public async Task Introspection_of_a_refresh_token_by_its_own_client_must_answer_active_with_its_fields()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        using var tokens = await Host.TokensFor(client, user, scope: "read");
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var response = await Host.Introspect(tokens.RefreshToken!, client);

        Assert.True(response.IsActive, response.Raw);
        Assert.Equal(client.ClientId, response.ClientId);
        Assert.Equal(user.UserId, response.Subject);
        Assert.Equal(["read"], response.Scopes);
        Assert.Equal(TestHost.InMemoryIssuer, response.Issuer);
        Assert.InRange(response.IssuedAt!.Value.ToUnixTimeSeconds(), before - 60, before + 5);
        Assert.True(response.Expiration!.Value > DateTimeOffset.UtcNow.AddDays(29), response.Raw);
        // RFC 7662 token_type is an access token type; a refresh token has none, nor a jti.
        Assert.False(response.Json!.Value.TryGetProperty("token_type", out _), response.Raw);
        Assert.False(response.Json.Value.TryGetProperty("jti", out _), response.Raw);
    }

    [Fact]
    public async Task Introspection_of_a_refresh_token_by_another_client_must_answer_inactive()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        using var tokens = await Host.TokensFor(client, user);

        using var byAdmin = await Host.Introspect(tokens.RefreshToken!, TestHost.Admin);
        using var byOther = await Host.Introspect(tokens.RefreshToken!, _client);

        OAuthAssert.Inactive(byAdmin.Raw);
        OAuthAssert.Inactive(byOther.Raw);
    }

    [Fact]
    public async Task Introspection_of_a_rotated_or_revoked_refresh_token_must_answer_inactive()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        using var tokens = await Host.TokensFor(client, user);
        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Raw);

        using (var rotated = await Host.Introspect(tokens.RefreshToken!, client))
        {
            OAuthAssert.Inactive(rotated.Raw);
        }

        using (var current = await Host.Introspect(refreshed.RefreshToken!, client))
        {
            Assert.True(current.IsActive, current.Raw);
        }

        using var revocation = await Host.Revoke(refreshed.RefreshToken!, client, "refresh_token");
        Assert.False(revocation.IsError, revocation.Raw);
        using var revoked = await Host.Introspect(refreshed.RefreshToken!, client);
        OAuthAssert.Inactive(revoked.Raw);
    }

    [Fact]
    public async Task Revocation_of_a_refresh_token_by_another_client_must_be_refused_and_leave_it_working()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        using var tokens = await Host.TokensFor(client, user);

        using var revocation = await Host.Revoke(tokens.RefreshToken!, _client, "refresh_token");

        OAuthAssert.Error(revocation, HttpStatusCode.BadRequest, "unauthorized_client");
        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Raw);
    }

    private async Task<string> IdOf(string resource)
    {
        using var list = await Host.Send(HttpMethod.Get, ResourceServers.Path, await Host.AdminToken());
        using var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("resources").EnumerateArray()
            .Single(r => r.GetProperty("resource").GetString() == resource).GetProperty("id").GetString()!;
    }
}
