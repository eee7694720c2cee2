namespace OAuth2.Actors.Server.Tests;

/// <summary>RFC 7591 3: registration protected by OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN.</summary>
public sealed class ProtectedRegistrationTests(Fixtures.InitialAccessTokenServerFixture fixture) : HostTests<Fixtures.InitialAccessTokenServerFixture>(fixture)
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-initial-access-token-0123456789-abcdefghijklmnop")]
    [InlineData("initial-access-token-0123456789-abcdefghijklmno")]
    [InlineData("x")]
    public async Task Protected_registration_must_refuse_a_missing_or_wrong_token_with_401(string? token)
    {
        using var response = await Post(bearer: token);

        await OAuthAssert.Unauthorized(response, "invalid_token", "Bearer");
    }

    [Fact]
    public async Task Protected_registration_must_refuse_the_initial_token_in_a_basic_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.RegistrationPath) { Content = JsonContent.Create(new { scope = "read" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Fixtures.InitialAccessTokenServerFixture.InitialAccessToken);

        using var response = await Host.Client.SendAsync(request);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Protected_registration_must_accept_the_initial_access_token()
    {
        var client = await Host.Register(scope: "read", bearer: Fixtures.InitialAccessTokenServerFixture.InitialAccessToken);

        using var token = await Host.RequestToken(client);
        Assert.False(token.IsError, token.Raw);
    }

    [Fact]
    public async Task Protected_registration_must_accept_the_initial_access_token_for_reserved_scopes()
    {
        var client = await Host.Register(scope: "admin", bearer: Fixtures.InitialAccessTokenServerFixture.InitialAccessToken);

        Assert.Equal("admin", client.Registration.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Protected_registration_must_accept_an_admin_access_token()
    {
        var admin = await Host.AccessToken(TestHost.Admin);

        using var response = await Post(bearer: admin);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Protected_registration_must_refuse_an_access_token_without_the_admin_scope()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "read", bearer: Fixtures.InitialAccessTokenServerFixture.InitialAccessToken);

        using var response = await Post(bearer: token);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Protected_registration_must_refuse_a_revoked_admin_access_token()
    {
        var admin = await Host.RevokedAdminToken();

        using var response = await Post(bearer: admin);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    private Task<HttpResponseMessage> Post(string? bearer) => RegistrationRequests.Post(Host, bearer, scope: "read");
}
