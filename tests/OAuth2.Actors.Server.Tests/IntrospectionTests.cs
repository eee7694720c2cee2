using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Server.Tests;

/// <summary>RFC 7662 token introspection.</summary>
public sealed class IntrospectionTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private RegisteredClient _client = null!;
    private RegisteredClient _resourceServer = null!;
    private string _resource = null!;

    public override async Task InitializeAsync()
    {
        _client = await Host.Register(scope: "read write");
        _resourceServer = await Host.Register(scope: "introspect");
        // RFC 7662 4: the resource server learns about the tokens of its own audience only (ResourceIntrospectionTests).
        _resource = ResourceServers.NewResource();
        await ResourceServers.Register(Host, _resource, ["read", "write"], _resourceServer);
    }

    /// <summary>A token of the client for the resource server's audience.</summary>
    private async Task<string> TokenForResourceServer(string? scope = null)
    {
        using var response = await ResourceServers.Token(Host, _client, scope, _resource);
        Assert.False(response.IsError, response.Raw);
        return response.AccessToken!;
    }

    [Fact]
    public async Task Introspection_must_describe_an_active_token()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = await TokenForResourceServer(scope: "write");

        using var response = await Host.Introspect(token, _resourceServer);

        Assert.False(response.IsError, response.Raw);
        Assert.True(response.IsActive);
        Assert.Equal(["write"], response.Scopes);
        Assert.Equal(_client.ClientId, response.ClientId);
        Assert.Equal(_client.ClientId, response.Subject);
        Assert.Equal(TestHost.InMemoryIssuer, response.Issuer);
        Assert.Equal("Bearer", response.TokenType);
        Assert.Equal(new JsonWebToken(token).Id, response.JwtId);
        Assert.InRange(response.IssuedAt!.Value.ToUnixTimeSeconds(), before - 5, before + 60);
        Assert.Equal(3600, response.Expiration!.Value.ToUnixTimeSeconds() - response.IssuedAt.Value.ToUnixTimeSeconds());
        Assert.True(response.HttpResponse!.Headers.CacheControl?.NoStore == true);

        var json = response.Json!.Value;
        foreach (var member in new[] { "active", "scope", "client_id", "sub", "aud", "iss", "exp", "iat", "token_type", "jti" })
        {
            Assert.True(json.TryGetProperty(member, out _), $"introspection member {member} is missing: {response.Raw}");
        }

        Assert.Equal(JsonValueKind.Number, json.GetProperty("exp").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("iat").ValueKind);
        Assert.Equal(_resource, json.GetProperty("aud").GetString());
    }

    [Fact]
    public async Task Introspection_must_work_for_the_client_that_owns_the_token()
    {
        var token = await Host.AccessToken(_client);

        using var response = await Host.Introspect(token, _client);

        Assert.True(response.IsActive, response.Raw);
    }

    [Fact]
    public async Task Introspection_must_work_with_client_secret_post()
    {
        var resourceServer = await Host.RegisterFor(ClientCredentialStyle.PostBody, scope: "introspect");
        var resource = ResourceServers.NewResource();
        await ResourceServers.Register(Host, resource, ["read"], resourceServer);
        using var issued = await ResourceServers.Token(Host, _client, scope: null, resource);
        var token = issued.AccessToken!;

        using var response = await Host.Introspect(token, resourceServer, style: ClientCredentialStyle.PostBody);

        Assert.True(response.IsActive, response.Raw);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    [InlineData("....")]
    public async Task Introspection_must_answer_exactly_inactive_for_garbage(string token)
    {
        using var response = await Host.Introspect(token, _resourceServer);

        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        Assert.False(response.IsActive);
        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_must_answer_exactly_inactive_for_a_huge_token()
    {
        var token = await TokenForResourceServer();

        using var response = await Host.Introspect(token + new string('A', 10_000), _resourceServer);

        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_must_answer_exactly_inactive_for_a_jwt_signed_by_another_key()
    {
        var genuine = new JsonWebToken(await TokenForResourceServer());
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreignKey = new ECDsaSecurityKey(ecdsa) { KeyId = genuine.Kid };
        var now = DateTime.UtcNow;
        var forged = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestHost.InMemoryIssuer,
            Audience = _resource,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(foreignKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = _client.ClientId,
                ["client_id"] = _client.ClientId,
                ["scope"] = "read write",
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        });

        using var response = await Host.Introspect(forged, _resourceServer);

        Assert.False(response.IsActive);
        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_must_answer_exactly_inactive_for_a_tampered_payload()
    {
        var parts = (await TokenForResourceServer(scope: "read")).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"read\"", "\"read write\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        using var response = await Host.Introspect(tampered, _resourceServer);

        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_must_answer_exactly_inactive_for_an_unsigned_copy_of_a_real_token()
    {
        var parts = (await TokenForResourceServer()).Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""");
        var unsigned = $"{header}.{parts[1]}.";

        using var response = await Host.Introspect(unsigned, _resourceServer);

        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_must_answer_exactly_inactive_for_a_revoked_token()
    {
        var token = await TokenForResourceServer();
        using (var before = await Host.Introspect(token, _resourceServer))
        {
            Assert.True(before.IsActive, before.Raw);
        }

        using var revoked = await Host.Revoke(token, _client);
        Assert.False(revoked.IsError, revoked.Raw);

        using var response = await Host.Introspect(token, _resourceServer);

        Assert.False(response.IsActive);
        OAuthAssert.Inactive(response.Raw);
    }

    [Fact]
    public async Task Introspection_without_client_authentication_must_answer_401_invalid_client()
    {
        var token = await Host.AccessToken(_client);

        using var response = await Host.PostForm(TestHost.IntrospectionPath, null, ("token", token));

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspection_with_a_wrong_secret_must_answer_401_invalid_client_with_a_basic_challenge()
    {
        var token = await Host.AccessToken(_client);

        using var response = await Host.Introspect(token, _resourceServer with { ClientSecret = "wrong-secret" });

        OAuthAssert.Unauthorized(response, "invalid_client", "Basic");
        Assert.False(response.IsActive);
    }

    [Fact]
    public async Task Introspection_with_a_bearer_token_instead_of_client_credentials_must_answer_401_invalid_client()
    {
        var token = await Host.AccessToken(_client);
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.IntrospectionPath) { Content = TestHost.Form(("token", token)) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var response = await Host.Client.SendAsync(request);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspection_without_a_token_parameter_must_answer_invalid_request()
    {
        using var response = await Host.PostForm(TestHost.IntrospectionPath, _resourceServer, ("token_type_hint", "access_token"));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }
}
