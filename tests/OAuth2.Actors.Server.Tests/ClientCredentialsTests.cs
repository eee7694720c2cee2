namespace OAuth2.Actors.Server.Tests;

/// <summary>RFC 6749 4.4 with a client registered through RFC 7591.</summary>
public sealed class ClientCredentialsTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private RegisteredClient _client = null!;

    public override async Task InitializeAsync() => _client = await Host.Register(scope: "read write");

    [Fact]
    public async Task Token_endpoint_must_issue_a_jwt_for_client_credentials()
    {
        using var response = await Host.RequestToken(_client);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        Assert.Equal("Bearer", response.TokenType);
        Assert.Equal(3, response.AccessToken!.Split('.').Length);
        Assert.Equal(3600, response.ExpiresIn);
        Assert.Null(response.RefreshToken);
    }

    [Theory]
    [InlineData(ClientCredentialStyle.AuthorizationHeader)]
    [InlineData(ClientCredentialStyle.PostBody)]
    public async Task Token_endpoint_must_authenticate_with_client_secret_basic_and_client_secret_post(ClientCredentialStyle style)
    {
        var client = await Host.RegisterFor(style);

        using var response = await Host.RequestToken(client, style: style);

        Assert.False(response.IsError, response.Raw);
        Assert.False(string.IsNullOrEmpty(response.AccessToken));
    }

    [Fact]
    public async Task Token_endpoint_must_mark_the_response_no_store()
    {
        using var response = await Host.RequestToken(_client);

        Assert.False(response.IsError, response.Raw);
        Assert.True(response.HttpResponse!.Headers.CacheControl?.NoStore == true);
        Assert.Contains("no-cache", response.HttpResponse.Headers.Pragma.Select(p => p.Name));
    }

    [Theory]
    [InlineData("read", "read")]
    [InlineData("write", "write")]
    [InlineData("write read", "write read")]
    [InlineData("read read", "read")]
    public async Task Token_endpoint_must_grant_a_requested_subset_of_the_client_scope(string requested, string granted)
    {
        using var response = await Host.RequestToken(_client, scope: requested);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal(granted, response.Scope);
    }

    [Fact]
    public async Task Token_endpoint_must_grant_the_client_scope_when_none_is_requested()
    {
        using var response = await Host.RequestToken(_client);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal("read write", response.Scope);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("read delete")]
    [InlineData("READ")]
    public async Task Token_endpoint_must_refuse_a_scope_the_client_does_not_have_with_invalid_scope(string scope)
    {
        using var response = await Host.RequestToken(_client, scope: scope);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_scope");
        Assert.Equal("invalid_scope", response.Error);
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_a_malformed_scope_with_invalid_scope()
    {
        using var response = await Host.RequestToken(_client, scope: "read \"write\"");

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task Token_endpoint_must_answer_a_wrong_basic_secret_with_401_invalid_client_and_a_basic_challenge()
    {
        using var response = await Host.RequestToken(_client.ClientId, _client.ClientSecret + "x");

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
        var challenge = Assert.Single(response.HttpResponse!.Headers.WwwAuthenticate);
        Assert.Equal("Basic", challenge.Scheme);
        Assert.True(response.HttpResponse.Headers.CacheControl?.NoStore == true);
    }

    [Fact]
    public async Task Token_endpoint_must_answer_a_wrong_post_secret_with_401_invalid_client_without_a_basic_challenge()
    {
        using var response = await Host.RequestToken(_client.ClientId, "wrong", style: ClientCredentialStyle.PostBody);

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Empty(response.HttpResponse!.Headers.WwwAuthenticate);
    }

    [Theory]
    [InlineData(ClientCredentialStyle.AuthorizationHeader)]
    [InlineData(ClientCredentialStyle.PostBody)]
    public async Task Token_endpoint_must_answer_an_unknown_client_with_401_invalid_client(ClientCredentialStyle style)
    {
        using var response = await Host.RequestToken("no-such-client", "some-secret", style: style);

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_endpoint_must_answer_a_known_client_without_a_secret_with_401_invalid_client()
    {
        using var response = await Host.Client.PostAsync(TestHost.TokenPath, TestHost.Form(("grant_type", "client_credentials"), ("client_id", _client.ClientId)));

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_endpoint_must_answer_no_client_authentication_with_401_invalid_client()
    {
        using var response = await Host.Client.PostAsync(TestHost.TokenPath, TestHost.Form(("grant_type", "client_credentials")));

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_both_basic_and_post_credentials_with_invalid_request()
    {
        using var response = await PostWithBasic(TestHost.Form(("grant_type", "client_credentials"), ("client_id", _client.ClientId), ("client_secret", _client.ClientSecret!)));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_a_body_client_id_that_differs_from_the_basic_one()
    {
        using var response = await PostWithBasic(TestHost.Form(("grant_type", "client_credentials"), ("client_id", "someone-else")));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_endpoint_must_accept_a_matching_client_id_in_the_body_with_basic()
    {
        using var response = await PostWithBasic(TestHost.Form(("grant_type", "client_credentials"), ("client_id", _client.ClientId)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_endpoint_must_issue_a_fresh_token_per_request()
    {
        var a = await Host.AccessToken(_client);
        var b = await Host.AccessToken(_client);

        Assert.NotEqual(a, b);
    }

    /// <summary>POSTs <paramref name="form"/> to the token endpoint, the registered client authenticated with HTTP Basic.</summary>
    private async Task<HttpResponseMessage> PostWithBasic(HttpContent form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.TokenPath) { Content = form };
        request.Headers.Authorization = Basic(_client.ClientId, _client.ClientSecret);
        return await Host.Client.SendAsync(request);
    }

    internal static AuthenticationHeaderValue Basic(string clientId, string? secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret!)}")));
}
