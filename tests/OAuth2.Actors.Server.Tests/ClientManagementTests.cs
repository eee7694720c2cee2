namespace OAuth2.Actors.Server.Tests;

/// <summary>RFC 7592: GET, PUT and DELETE on the registration_client_uri with the registration access token (or an admin token).</summary>
public sealed class ClientManagementTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task ClientManagement_registration_client_uri_must_be_under_the_issuer()
    {
        var client = await Host.RegisterCodeClient();

        Assert.Equal($"{Host.Issuer}/clients/{client.ClientId}", client.RegistrationClientUri);
    }

    [Fact]
    public async Task ClientManagement_get_must_answer_the_configuration_with_the_registration_access_token()
    {
        var client = await Host.RegisterCodeClient(name: "Readable app");

        using var response = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.True(response.Headers.CacheControl?.NoStore == true);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(client.ClientId, json.RootElement.GetProperty("client_id").GetString());
        Assert.Equal("Readable app", json.RootElement.GetProperty("client_name").GetString());
        Assert.Equal(TestHost.RedirectUri, json.RootElement.GetProperty("redirect_uris")[0].GetString());
        Assert.Equal("none", json.RootElement.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal(client.RegistrationClientUri, json.RootElement.GetProperty("registration_client_uri").GetString());
    }

    [Fact]
    public async Task ClientManagement_get_must_accept_an_admin_token()
    {
        var client = await Host.RegisterCodeClient();

        using var response = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, await Host.AdminToken());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "wrong-registration-access-token-0123456789abc")]
    [InlineData("PUT", "wrong-registration-access-token-0123456789abc")]
    [InlineData("DELETE", "wrong-registration-access-token-0123456789abc")]
    [InlineData("GET", null)]
    [InlineData("PUT", null)]
    [InlineData("DELETE", null)]
    public async Task ClientManagement_must_answer_401_for_a_wrong_or_missing_token(string method, string? token)
    {
        var client = await Host.RegisterCodeClient();

        using var response = await Host.Send(new HttpMethod(method), client.RegistrationClientUri, token, method == "PUT" ? UpdateBody(client) : null);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
        if (token is not null)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.First().Scheme);
        }

        await AssertStillThere(client);
    }

    [Fact]
    public async Task ClientManagement_must_refuse_another_clients_registration_access_token()
    {
        var client = await Host.RegisterCodeClient();
        var other = await Host.RegisterCodeClient();

        using var get = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, other.RegistrationAccessToken);
        using var delete = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, other.RegistrationAccessToken);

        await OAuthAssert.Error(get, HttpStatusCode.Unauthorized, "invalid_token");
        await OAuthAssert.Error(delete, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertStillThere(client);
    }

    [Fact]
    public async Task ClientManagement_must_refuse_a_non_admin_access_token()
    {
        var client = await Host.RegisterCodeClient();
        var service = await Host.Register("read", name: "Flow service client");
        using var token = await Host.RequestToken(service.ClientId, service.ClientSecret!);

        using var response = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, token.AccessToken);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
        await AssertStillThere(client);
    }

    [Fact]
    public async Task ClientManagement_unknown_client_must_answer_401_with_a_registration_token_and_404_for_the_admin()
    {
        var client = await Host.RegisterCodeClient();

        using var asClient = await Host.Send(HttpMethod.Get, Host.Issuer + "/clients/no-such-client-id", client.RegistrationAccessToken);
        using var asAdmin = await Host.Send(HttpMethod.Get, Host.Issuer + "/clients/no-such-client-id", await Host.AdminToken());

        await OAuthAssert.Error(asClient, HttpStatusCode.Unauthorized, "invalid_token");
        Assert.Equal(HttpStatusCode.NotFound, asAdmin.StatusCode);
    }

    [Fact]
    public async Task ClientManagement_put_must_replace_the_metadata()
    {
        var client = await Host.RegisterCodeClient(name: "Before");

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, UpdateBody(client, name: "After", redirectUris: ["https://client.example/new"], scope: "read"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("After", json.RootElement.GetProperty("client_name").GetString());
        Assert.Equal(["https://client.example/new"], json.RootElement.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("read", json.RootElement.GetProperty("scope").GetString());

        using var get = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        using var stored = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal("After", stored.RootElement.GetProperty("client_name").GetString());

        // The authorize endpoint sees the change at once: the old redirect URI is gone, the new one works.
        using var browser = Host.NewBrowser();
        using var old = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: "read"));
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        using var wider = await browser.Get(TestBrowser.AuthorizeQuery(client with { RedirectUri = "https://client.example/new" }, Pkce.New(), scope: "write", state: "w"));
        Assert.Equal(HttpStatusCode.Redirect, wider.StatusCode);
        Assert.Equal("invalid_scope", new Duende.IdentityModel.Client.AuthorizeResponse(TestBrowser.Location(wider)!).Error);
    }

    [Fact]
    public async Task ClientManagement_put_with_an_admin_token_must_work()
    {
        var client = await Host.RegisterCodeClient(name: "Admin edits me");

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, await Host.AdminToken(), UpdateBody(client, name: "Edited by admin"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("other-client-id")]
    [InlineData("")]
    [InlineData(null)]
    public async Task ClientManagement_put_must_require_the_body_client_id_to_match(string? bodyClientId)
    {
        var client = await Host.RegisterCodeClient(name: "Unchanged");
        var body = UpdateJson(client, name: "Changed");
        if (bodyClientId is null)
        {
            body.Remove("client_id");
        }
        else
        {
            body["client_id"] = bodyClientId;
        }

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, JsonContent.Create(body));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
        await AssertName(client, "Unchanged");
    }

    [Theory]
    [InlineData("http://evil.example/callback")]
    [InlineData("https://client.example/cb#fragment")]
    [InlineData("not a uri")]
    [InlineData("javascript:alert(1)")]
    public async Task ClientManagement_put_must_refuse_an_invalid_redirect_uri(string redirectUri)
    {
        var client = await Host.RegisterCodeClient(name: "Unchanged");

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, UpdateBody(client, name: "Changed", redirectUris: [redirectUri]));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_redirect_uri");
        await AssertName(client, "Unchanged");
    }

    [Fact]
    public async Task ClientManagement_put_must_refuse_switching_a_public_client_to_confidential()
    {
        var client = await Host.RegisterCodeClient();
        var body = UpdateJson(client);
        body["token_endpoint_auth_method"] = "client_secret_basic";

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, JsonContent.Create(body));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    [Fact]
    public async Task ClientManagement_put_must_refuse_a_reserved_scope_for_an_ordinary_client()
    {
        var client = await Host.RegisterCodeClient();

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, UpdateBody(client, scope: "read admin"));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    [Fact]
    public async Task ClientManagement_put_must_not_let_a_registration_token_add_the_admin_scope_to_a_client_with_another_reserved_scope()
    {
        // An event producer registered by the admin with events:ingest only.
        var producer = await Host.RegisterAsAdmin("events:ingest", "Event producer");
        var body = new JsonObject
        {
            ["client_id"] = producer.ClientId,
            ["client_name"] = "Event producer",
            ["grant_types"] = new JsonArray("client_credentials"),
            ["token_endpoint_auth_method"] = "client_secret_basic",
            ["scope"] = "events:ingest admin",
        };

        using var response = await Host.Send(HttpMethod.Put, producer.RegistrationClientUri, producer.RegistrationAccessToken, JsonContent.Create(body));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
        using var token = await Host.RequestToken(producer.ClientId, producer.ClientSecret!, "admin");
        Assert.True(token.IsError, "Only an admin may grant the admin scope: " + token.Raw);
    }

    [Fact]
    public async Task ClientManagement_put_must_not_return_or_change_the_client_secret()
    {
        var client = await Host.Register("read", name: "Flow service client");

        using var response = await PutServiceUpdate(client, "client_name", "Renamed service");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain(client.ClientSecret!, body, StringComparison.Ordinal);
        using var token = await Host.RequestToken(client.ClientId, client.ClientSecret!);
        Assert.False(token.IsError, token.Raw);
    }

    [Fact]
    public async Task ClientManagement_put_must_refuse_a_client_secret_that_is_not_the_current_one()
    {
        var client = await Host.Register("read", name: "Flow service client");

        using var response = await PutServiceUpdate(client, "client_secret", "a-new-secret-i-chose-myself-0123456789");

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    [Fact]
    public async Task ClientManagement_delete_must_answer_204_emit_client_deleted_and_end_the_clients_tokens()
    {
        var client = await Host.Register("read", name: "Doomed service");
        using var token = await Host.RequestToken(client.ClientId, client.ClientSecret!);
        Assert.True(await Host.IsActive(token.AccessToken!));

        using var response = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, client.RegistrationAccessToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(await Host.IsActive(token.AccessToken!), "The client's access tokens must be inactive at once.");
        using var after = await Host.RequestToken(client.ClientId, client.ClientSecret!);
        OAuthAssert.Error(after, HttpStatusCode.Unauthorized, "invalid_client");
        using var get = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        await OAuthAssert.Error(get, HttpStatusCode.Unauthorized, "invalid_token");
        var deleted = await Host.WaitForEventsOfType("client_deleted", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal("registration_access_token", FlowAssert.Meta(deleted[0], "by"));
        Assert.Equal("Doomed service", FlowAssert.Meta(deleted[0], "client_name"));
    }

    [Fact]
    public async Task ClientManagement_delete_must_end_the_user_tokens_and_refresh_tokens_of_a_code_client()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);

        using var response = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, await Host.AdminToken());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(await Host.IsActive(tokens.AccessToken!));
        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.True(refreshed.IsError, refreshed.Raw);
        var error = OAuthAssert.ErrorBody(refreshed.Raw!).GetProperty("error").GetString();
        Assert.True(error is "invalid_client" or "invalid_grant", refreshed.Raw);
        using var browser = Host.NewBrowser();
        using var authorize = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()));
        Assert.Equal(HttpStatusCode.BadRequest, authorize.StatusCode);
        var deleted = await Host.WaitForEventsOfType("client_deleted", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal("admin", FlowAssert.Meta(deleted[0], "by"));
    }

    [Fact]
    public async Task ClientManagement_delete_twice_must_answer_401_the_second_time()
    {
        var client = await Host.RegisterCodeClient();

        using var first = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, client.RegistrationAccessToken);
        using var second = await Host.Send(HttpMethod.Delete, client.RegistrationClientUri, client.RegistrationAccessToken);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await OAuthAssert.Error(second, HttpStatusCode.Unauthorized, "invalid_token");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private static JsonObject UpdateJson(RegisteredClient client, string name = "Updated", string[]? redirectUris = null, string scope = "read write")
    {
        var uris = new JsonArray();
        foreach (var uri in redirectUris ?? [client.RedirectUri])
        {
            uris.Add(uri);
        }

        return new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_name"] = name,
            ["redirect_uris"] = uris,
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = client.ClientSecret is null ? "none" : "client_secret_basic",
            ["scope"] = scope,
        };
    }

    private static JsonContent UpdateBody(RegisteredClient client, string name = "Updated", string[]? redirectUris = null, string scope = "read write") =>
        JsonContent.Create(UpdateJson(client, name, redirectUris, scope));

    private async Task AssertStillThere(RegisteredClient client)
    {
        using var get = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    private async Task AssertName(RegisteredClient client, string name)
    {
        using var get = await Host.Send(HttpMethod.Get, client.RegistrationClientUri, client.RegistrationAccessToken);
        using var json = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal(name, json.RootElement.GetProperty("client_name").GetString());
    }

    /// <summary>PUT, as the client itself, the metadata of a read-only client_credentials client with one field added.</summary>
    private Task<HttpResponseMessage> PutServiceUpdate(RegisteredClient client, string field, string value) =>
        Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken, JsonContent.Create(new JsonObject
        {
            ["client_id"] = client.ClientId,
            [field] = value,
            ["grant_types"] = new JsonArray("client_credentials"),
            ["scope"] = "read",
        }));
}
