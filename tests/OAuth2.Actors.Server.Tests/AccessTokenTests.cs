using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Server.Tests;

/// <summary>The access token itself (RFC 9068), checked the way a resource server would: against the published JWKS.</summary>
public sealed class AccessTokenTests(Fixtures.ShortTokenLifetimeServerFixture fixture) : HostTests<Fixtures.ShortTokenLifetimeServerFixture>(fixture)
{
    private RegisteredClient _client = null!;
    private string _token = null!;
    private JsonWebKeySet _jwks = null!;

    public override async Task InitializeAsync()
    {
        _client = await Host.Register(scope: "read write");
        _token = await Host.AccessToken(_client, scope: "read");
        _jwks = new JsonWebKeySet(await Host.JwksJson());
    }

    [Fact]
    public async Task Access_token_must_verify_against_the_jwks_with_issuer_and_audience()
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(_token, Validation(_jwks.GetSigningKeys()));

        Assert.True(result.IsValid, result.Exception?.ToString());
    }

    [Fact]
    public async Task Access_token_must_not_verify_against_another_key()
    {
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(other) { KeyId = _jwks.Keys[0].Kid };

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(_token, Validation([key]));

        Assert.False(result.IsValid);
    }

    [Fact]
    public void Access_token_header_must_be_at_jwt_es256_with_the_jwks_kid()
    {
        var jwt = new JsonWebToken(_token);

        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("ES256", jwt.Alg);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(_jwks.Keys.Single().Kid, jwt.Kid);
    }

    [Fact]
    public void Access_token_must_carry_the_rfc_9068_claims()
    {
        var jwt = new JsonWebToken(_token);

        Assert.Equal(TestHost.InMemoryIssuer, jwt.Issuer);
        Assert.Equal(_client.ClientId, jwt.Subject);
        Assert.Equal([TestHost.InMemoryIssuer], jwt.Audiences);
        Assert.Equal(_client.ClientId, jwt.GetPayloadValue<string>("client_id"));
        Assert.Equal("read", jwt.GetPayloadValue<string>("scope"));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        foreach (var claim in new[] { "iss", "sub", "aud", "client_id", "scope", "jti", "iat", "nbf", "exp" })
        {
            Assert.True(jwt.TryGetPayloadValue<object>(claim, out _), $"claim {claim} is missing");
        }
    }

    [Fact]
    public void Access_token_lifetime_must_be_the_configured_ttl()
    {
        var jwt = new JsonWebToken(_token);
        var iat = jwt.GetPayloadValue<long>("iat");
        var nbf = jwt.GetPayloadValue<long>("nbf");
        var exp = jwt.GetPayloadValue<long>("exp");

        Assert.Equal(Fixtures.ShortTokenLifetimeServerFixture.AccessTokenTtlSeconds, exp - iat);
        Assert.Equal(iat, nbf);
        Assert.InRange(iat, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
    }

    [Fact]
    public async Task Token_response_expires_in_must_be_the_configured_ttl()
    {
        using var response = await Host.RequestToken(_client);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal(Fixtures.ShortTokenLifetimeServerFixture.AccessTokenTtlSeconds, response.ExpiresIn);
    }

    [Fact]
    public void Access_token_must_not_contain_the_client_secret()
    {
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(_token.Split('.')[1]));

        Assert.DoesNotContain(_client.ClientSecret!, payload, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(payload);
        Assert.Equal(
            ["aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"],
            json.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Access_tokens_must_have_unique_jtis()
    {
        var other = await Host.AccessToken(_client);

        Assert.NotEqual(new JsonWebToken(_token).Id, new JsonWebToken(other).Id);
    }

    private static TokenValidationParameters Validation(IEnumerable<SecurityKey> keys) => new()
    {
        ValidIssuer = TestHost.InMemoryIssuer,
        ValidAudience = TestHost.InMemoryIssuer,
        IssuerSigningKeys = keys,
        ValidTypes = ["at+jwt"],
        ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
    };
}
