namespace OAuth2.Actors.Server.Tests;

/// <summary>RFC 7591 registration with open registration (no initial access token configured).</summary>
public sealed class RegistrationTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task Registration_must_answer_201_with_credentials_and_registration_management_data()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var document = new DynamicClientRegistrationDocument { ClientName = "billing service", Scope = "read write" };
        document.GrantTypes.Add("client_credentials");

        using var response = await Host.Client.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = Host.RegistrationEndpoint,
            Document = document,
        });

        Assert.False(response.IsError, $"{response.Error}: {response.Raw}");
        Assert.Equal(HttpStatusCode.Created, response.HttpStatusCode);
        Assert.False(string.IsNullOrEmpty(response.ClientId));
        Assert.False(string.IsNullOrEmpty(response.ClientSecret));
        Assert.False(string.IsNullOrEmpty(response.RegistrationAccessToken));
        Assert.Equal($"{TestHost.InMemoryIssuer}/clients/{response.ClientId}", response.RegistrationClientUri);
        Assert.InRange(response.ClientIdIssuedAt!.Value, before - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal(0, response.ClientSecretExpiresAt);
        Assert.True(response.HttpResponse!.Headers.CacheControl?.NoStore == true, "A response carrying secrets must not be cached.");

        var json = response.Json!.Value;
        Assert.Equal("billing service", json.GetProperty("client_name").GetString());
        Assert.Equal("read write", json.GetProperty("scope").GetString());
        Assert.Equal("client_secret_basic", json.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal(["client_credentials"], json.GetProperty("grant_types").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Registration_must_issue_distinct_ids_and_secrets()
    {
        var a = await Host.Register();
        var b = await Host.Register();

        Assert.NotEqual(a.ClientId, b.ClientId);
        Assert.NotEqual(a.ClientSecret, b.ClientSecret);
        Assert.True(a.ClientSecret!.Length >= 32, "Secrets must carry enough entropy.");
    }

    [Fact]
    public async Task Registration_must_default_an_empty_document_to_a_confidential_client_credentials_client()
    {
        using var response = await Host.Client.PostAsync(TestHost.RegistrationPath, Json("{}"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("client_secret_basic", root.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal(["client_credentials"], root.GetProperty("grant_types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("read", root.GetProperty("scope").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("client_secret").GetString()));
        Assert.True(root.TryGetProperty("client_id_issued_at", out _));
    }

    [Fact]
    public async Task Registration_must_treat_a_public_authorization_code_client_as_the_advertised_grants_say()
    {
        var codeSupported = await AdvertisesGrant("authorization_code");

        using var response = await Post(new
        {
            token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code" },
            response_types = new[] { "code" },
            redirect_uris = new[] { "https://app.example.com/callback" },
        });

        if (codeSupported)
        {
            // A public client gets an id but no secret.
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("none", json.RootElement.GetProperty("token_endpoint_auth_method").GetString());
            Assert.False(json.RootElement.TryGetProperty("client_secret", out var secret) && secret.ValueKind == JsonValueKind.String);
        }
        else
        {
            // The validator checks grant types against the grants the server implements: authorization_code is not
            // implemented, so this is invalid_client_metadata (not a redirect or auth-method problem).
            var error = await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
            Assert.Contains("authorization_code", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Registration_must_default_a_client_with_redirect_uris_to_authorization_code()
    {
        // RFC 7591 2: grant_types defaults to authorization_code; with no grant_types but a redirect URI that is the grant asked for.
        var codeSupported = await AdvertisesGrant("authorization_code");

        using var response = await Post(new { token_endpoint_auth_method = "none", redirect_uris = new[] { "https://app.example.com/callback" } });

        if (codeSupported)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal(["authorization_code"], json.RootElement.GetProperty("grant_types").EnumerateArray().Select(e => e.GetString()));
        }
        else
        {
            await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
        }
    }

    [Fact]
    public async Task Registration_must_refuse_a_public_client_for_client_credentials()
    {
        var error = await AssertRefusedMetadata(new { token_endpoint_auth_method = "none", grant_types = new[] { "client_credentials" } });
        Assert.Contains("public client", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://app.example.com/callback#fragment")]
    [InlineData("https://app.example.com/callback#")]
    [InlineData("callback")]
    [InlineData("/callback")]
    [InlineData("//app.example.com/callback")]
    [InlineData("")]
    [InlineData("http://app.example.com/callback")]
    [InlineData("http://192.0.2.10/callback")]
    [InlineData("javascript:alert(1)")]
    [InlineData("myapp:/callback")]
    public async Task Registration_must_refuse_an_invalid_redirect_uri_with_invalid_redirect_uri(string redirectUri)
    {
        using var response = await Post(new { redirect_uris = new[] { redirectUri }, grant_types = new[] { "client_credentials" } });

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_redirect_uri");
    }

    [Fact]
    public async Task Registration_must_refuse_a_null_redirect_uri_with_invalid_redirect_uri()
    {
        using var response = await Host.Client.PostAsync(TestHost.RegistrationPath, Json("""{"redirect_uris":[null],"grant_types":["client_credentials"]}"""));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_redirect_uri");
    }

    [Fact]
    public async Task Registration_must_refuse_more_than_20_redirect_uris()
    {
        var uris = Enumerable.Range(0, 21).Select(i => $"https://app.example.com/cb{i}").ToArray();

        using var response = await Post(new { redirect_uris = uris, grant_types = new[] { "client_credentials" } });

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_redirect_uri");
    }

    [Theory]
    [InlineData("https://app.example.com/callback")]
    [InlineData("http://127.0.0.1:8765/callback")]
    [InlineData("http://localhost/callback")]
    [InlineData("http://[::1]:9000/callback")]
    [InlineData("com.example.app:/callback")]
    public async Task Registration_must_accept_https_loopback_and_private_use_redirect_uris(string redirectUri)
    {
        using var response = await Post(new { redirect_uris = new[] { redirectUri }, grant_types = new[] { "client_credentials" } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal([redirectUri], json.RootElement.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("urn:example:unknown-grant")]
    [InlineData("password")]
    [InlineData("refresh_token")]
    [InlineData("implicit")]
    public async Task Registration_must_refuse_an_unsupported_grant_type_with_invalid_client_metadata(string grantType)
    {
        await AssertRefusedMetadata(new { grant_types = new[] { grantType } });
    }

    [Theory]
    [InlineData("private_key_jwt")]
    [InlineData("client_secret_jwt")]
    [InlineData("tls_client_auth")]
    public async Task Registration_must_refuse_an_unsupported_auth_method_with_invalid_client_metadata(string method)
    {
        await AssertRefusedMetadata(new { token_endpoint_auth_method = method });
    }

    [Fact]
    public async Task Registration_must_refuse_response_types_without_the_authorization_code_grant()
    {
        await AssertRefusedMetadata(new { grant_types = new[] { "client_credentials" }, response_types = new[] { "code" } });
    }

    [Theory]
    [InlineData("read \"quoted\"")]
    [InlineData("back\\slash")]
    [InlineData("caf\u00e9")]
    public async Task Registration_must_refuse_a_scope_outside_the_rfc_6749_syntax(string scope)
    {
        await AssertRefusedMetadata(new { scope });
    }

    [Fact]
    public async Task Registration_must_refuse_a_client_name_longer_than_200_characters()
    {
        await AssertRefusedMetadata(new { client_name = new string('n', 201) });
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("read admin")]
    [InlineData("events:read")]
    [InlineData("events:ingest")]
    public async Task Registration_must_refuse_a_reserved_scope_without_a_token(string scope)
    {
        var error = await AssertRefusedMetadata(new { scope });
        Assert.Contains("scope", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registration_must_allow_the_admin_scope_with_an_admin_access_token()
    {
        var admin = await Host.AccessToken(TestHost.Admin);

        var client = await Host.Register(scope: "admin read", bearer: admin);

        Assert.Equal("admin read", client.Registration.GetProperty("scope").GetString());
        using var token = await Host.RequestToken(client, scope: "admin");
        Assert.False(token.IsError, token.Raw);
        Assert.Equal("admin", token.Scope);
    }

    [Fact]
    public async Task Registration_must_refuse_a_bearer_token_that_is_not_an_admin_access_token()
    {
        var ordinary = await Host.Register(scope: "read");
        var token = await Host.AccessToken(ordinary);

        using var response = await Post(new { scope = "read" }, bearer: token);

        await OAuthAssert.Unauthorized(response, "invalid_token", "Bearer");
    }

    [Fact]
    public async Task Registration_must_refuse_a_garbage_bearer_token_with_401_invalid_token()
    {
        using var response = await Post(new { scope = "admin" }, bearer: "not-a-token");

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Registration_must_ignore_unknown_metadata_members()
    {
        using var response = await Host.Client.PostAsync(
            TestHost.RegistrationPath,
            Json("""{"grant_types":["client_credentials"],"logo_uri":"https://app.example.com/logo.png","contacts":["ops@example.com"],"software_id":"x"}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Registers <paramref name="metadata"/> and asserts a 400 invalid_client_metadata; returns the error body.</summary>
    private async Task<JsonElement> AssertRefusedMetadata(object metadata)
    {
        using var response = await Post(metadata);
        return await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    private async Task<HttpResponseMessage> Post(object metadata, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.RegistrationPath) { Content = JsonContent.Create(metadata) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Host.Client.SendAsync(request);
    }

    private async Task<bool> AdvertisesGrant(string grantType)
    {
        using var discovery = JsonDocument.Parse(await Host.Client.GetStringAsync("/.well-known/oauth-authorization-server"));
        return discovery.RootElement.GetProperty("grant_types_supported").EnumerateArray().Any(e => e.GetString() == grantType);
    }

    internal static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
