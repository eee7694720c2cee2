using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Server.Tests;

public sealed class DiscoveryTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string OpenIdPath = "/.well-known/openid-configuration";
    private const string OAuthPath = "/.well-known/oauth-authorization-server";

    [Fact]
    public async Task Discovery_must_be_served_identically_under_both_well_known_names()
    {
        var openId = await Host.Client.GetStringAsync(OpenIdPath);
        var oauth = await Host.Client.GetStringAsync(OAuthPath);

        using var a = JsonDocument.Parse(openId);
        using var b = JsonDocument.Parse(oauth);
        Assert.True(JsonElement.DeepEquals(a.RootElement, b.RootElement), $"{openId}\n!=\n{oauth}");
    }

    [Theory]
    [InlineData(OpenIdPath)]
    [InlineData(OAuthPath)]
    public async Task Discovery_must_pass_the_client_library_validation_including_the_key_set(string path)
    {
        // Duende validates the issuer name against the authority, that every endpoint is under it, and loads jwks_uri.
        var discovery = await Host.Discover(path);

        Assert.False(discovery.IsError, $"{discovery.ErrorType}: {discovery.Error} {discovery.Raw}");
        Assert.Equal(TestHost.InMemoryIssuer, discovery.Issuer);
        Assert.Equal(Host.TokenEndpoint, discovery.TokenEndpoint);
        Assert.Equal(Host.IntrospectionEndpoint, discovery.IntrospectionEndpoint);
        Assert.Equal(Host.RevocationEndpoint, discovery.RevocationEndpoint);
        Assert.Equal(Host.RegistrationEndpoint, discovery.RegistrationEndpoint);
        Assert.Equal(TestHost.InMemoryIssuer + TestHost.JwksPath, discovery.JwksUri);
        Assert.Contains("client_credentials", discovery.GrantTypesSupported);
        Assert.NotNull(discovery.KeySet);
        Assert.NotEmpty(discovery.KeySet!.Keys);
    }

    [Fact]
    public async Task Discovery_must_put_every_endpoint_under_the_issuer()
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync(OpenIdPath));
        var root = document.RootElement;

        Assert.Equal(TestHost.InMemoryIssuer, root.GetProperty("issuer").GetString());
        var endpoints = root.EnumerateObject()
            .Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name.EndsWith("_uri", StringComparison.Ordinal))
            .ToArray();
        Assert.Subset(
            endpoints.Select(p => p.Name).ToHashSet(StringComparer.Ordinal),
            new HashSet<string>(["introspection_endpoint", "jwks_uri", "registration_endpoint", "revocation_endpoint", "token_endpoint"], StringComparer.Ordinal));
        foreach (var endpoint in endpoints)
        {
            var value = endpoint.Value.GetString()!;
            Assert.True(value.StartsWith(TestHost.InMemoryIssuer + "/", StringComparison.Ordinal), $"{endpoint.Name} '{value}' is not under the issuer");
        }
    }

    [Fact]
    public async Task Discovery_must_list_client_credentials_and_the_supported_methods()
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync(OAuthPath));
        var root = document.RootElement;

        Assert.Contains("client_credentials", Strings(root.GetProperty("grant_types_supported")));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("response_types_supported").ValueKind);
        foreach (var name in new[] { "token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported" })
        {
            var methods = Strings(root.GetProperty(name));
            Assert.Contains("client_secret_basic", methods);
            Assert.Contains("client_secret_post", methods);
        }

        Assert.Equal(["ES256"], Strings(root.GetProperty("access_token_signing_alg_values_supported")));
    }

    [Fact]
    public async Task Discovery_jwks_uri_must_serve_a_public_signing_key()
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync(OpenIdPath));
        var jwksUri = new Uri(document.RootElement.GetProperty("jwks_uri").GetString()!);

        using var response = await Host.Client.GetAsync(jwksUri.PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var keys = new JsonWebKeySet(await response.Content.ReadAsStringAsync());
        var key = Assert.Single(keys.Keys);
        Assert.Equal("EC", key.Kty);
        Assert.Equal("P-256", key.Crv);
        Assert.Equal("sig", key.Use);
        Assert.Equal("ES256", key.Alg);
        Assert.False(string.IsNullOrEmpty(key.Kid));
        Assert.False(key.HasPrivateKey, "The JWKS must not publish private key material.");
        Assert.Null(key.D);
        Assert.Single(keys.GetSigningKeys());
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
