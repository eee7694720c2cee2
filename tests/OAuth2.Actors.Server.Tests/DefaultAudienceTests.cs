namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_DEFAULT_AUDIENCE: the aud of tokens requested without resource, still accepted by the server's own endpoints.</summary>
public sealed class DefaultAudienceTests(DefaultAudienceTests.Fixture fixture) : HostTests<DefaultAudienceTests.Fixture>(fixture)
{
    public const string Api = "https://api.example.test/";

    [Fact]
    public async Task A_token_without_resource_must_carry_the_configured_default_audience()
    {
        var client = await Host.Register(scope: "read write");

        using var response = await ResourceServers.Token(Host, client, scope: null);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal([Api], ResourceServers.Audiences(response.AccessToken!));
        Assert.Equal("read write", response.Scope);
    }

    [Fact]
    public async Task A_resource_server_registered_for_the_default_audience_must_introspect_tokens_without_resource()
    {
        var introspector = await Host.Register(scope: "read");
        await ResourceServers.Register(Host, Api, ["read", "write"], introspector);
        var client = await Host.Register(scope: "read write");

        using var introspection = await Host.Introspect(await Host.AccessToken(client), introspector);

        Assert.True(introspection.IsActive, introspection.Raw);
        Assert.Equal(Api, introspection.Json!.Value.GetProperty("aud").GetString());
    }

    [Fact]
    public async Task The_servers_own_endpoints_must_accept_tokens_of_the_default_audience_and_of_the_issuer()
    {
        using var issuer = await ResourceServers.Token(Host, TestHost.Admin, scope: "admin", TestHost.InMemoryIssuer);
        Assert.False(issuer.IsError, issuer.Raw);

        using var byDefault = await Host.Send(HttpMethod.Get, "/admin/api/users", await Host.AdminToken());
        using var byIssuer = await Host.Send(HttpMethod.Get, "/admin/api/users", issuer.AccessToken);

        Assert.Equal(HttpStatusCode.OK, byDefault.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byIssuer.StatusCode);
        Assert.Equal([TestHost.InMemoryIssuer], ResourceServers.Audiences(issuer.AccessToken!));
    }

    [Theory]
    [InlineData("api.example.test")]
    [InlineData("https://api.example.test/#x")]
    public void A_default_audience_that_is_not_an_absolute_uri_must_stop_the_server(string audience)
    {
        var failures = OptionsBinding.Failures(OptionsBinding.Bind(("OAUTH2_DEFAULT_AUDIENCE", audience)));

        Assert.Contains(failures, f => f.Contains("OAUTH2_DEFAULT_AUDIENCE", StringComparison.Ordinal));
    }

    public sealed class Fixture() : TestHostFixture(("OAUTH2_DEFAULT_AUDIENCE", Api));
}

/// <summary>RFC 8707 on the password grant: checked before the password is, and bound into the refresh token's family.</summary>
public sealed class ResourcePasswordGrantTests(Fixtures.FlowPasswordGrantFixture fixture) : HostTests<Fixtures.FlowPasswordGrantFixture>(fixture)
{
    [Fact]
    public async Task PasswordGrant_with_a_resource_must_issue_tokens_for_it_and_refresh_for_it()
    {
        var (resource, introspector) = await ResourceServers.NewResourceServer(Host, "write");
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["password", "refresh_token"]);

        using var response = await Host.Client.RequestPasswordTokenAsync(new PasswordTokenRequest
        {
            Address = Host.TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            UserName = user.Username,
            Password = user.Password,
            Resource = { resource },
        });

        Assert.False(response.IsError, response.Raw);
        Assert.Equal("write", response.Scope);
        Assert.Equal([resource], ResourceServers.Audiences(response.AccessToken!));
        using var refreshed = await Host.Refresh(client, response.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Raw);
        Assert.Equal([resource], ResourceServers.Audiences(refreshed.AccessToken!));
        Assert.Equal("write", refreshed.Scope);
        using var introspection = await Host.Introspect(refreshed.AccessToken!, introspector);
        Assert.True(introspection.IsActive, introspection.Raw);
    }

    [Fact]
    public async Task PasswordGrant_for_an_unknown_resource_must_answer_invalid_target()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["password", "refresh_token"]);

        using var response = await Host.Client.RequestPasswordTokenAsync(new PasswordTokenRequest
        {
            Address = Host.TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            UserName = user.Username,
            Password = user.Password,
            Resource = { ResourceServers.NewResource("unknown") },
        });

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_target");
    }
}
