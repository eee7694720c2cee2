namespace OAuth2.Actors.Server.Tests;

/// <summary>The registered token_endpoint_auth_method is the only way a client authenticates (security review, point 7).</summary>
public sealed class ClientAuthMethodTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Theory]
    [InlineData(ClientCredentialStyle.AuthorizationHeader, ClientCredentialStyle.PostBody)]
    [InlineData(ClientCredentialStyle.PostBody, ClientCredentialStyle.AuthorizationHeader)]
    public async Task Token_endpoint_must_refuse_a_method_other_than_the_registered_one(ClientCredentialStyle registered, ClientCredentialStyle used)
    {
        var client = await Host.RegisterFor(registered);

        using var response = await Host.RequestToken(client, style: used);

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_another_method_even_right_after_a_success_with_the_registered_one()
    {
        // The first success fills the node's authentication cache; the cache must not accept the same secret another way.
        var client = await Host.RegisterFor(ClientCredentialStyle.AuthorizationHeader);
        Assert.False(string.IsNullOrEmpty(await Host.AccessToken(client)));

        using var response = await Host.RequestToken(client, style: ClientCredentialStyle.PostBody);

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspection_must_refuse_a_method_other_than_the_registered_one()
    {
        var (_, token) = await Host.RegisterWithToken();
        var resourceServer = await Host.RegisterFor(ClientCredentialStyle.AuthorizationHeader, scope: "introspect");

        using var response = await Host.Introspect(token, resourceServer, style: ClientCredentialStyle.PostBody);

        Assert.Equal(HttpStatusCode.Unauthorized, response.HttpStatusCode);
    }

    [Fact]
    public async Task A_wrong_method_must_be_published_as_a_failed_client_validation_with_its_reason()
    {
        var client = await Host.RegisterFor(ClientCredentialStyle.PostBody);

        using var response = await Host.RequestToken(client, style: ClientCredentialStyle.AuthorizationHeader);

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
        var failure = Assert.Single(await Host.WaitForEventsOfType("client_validated", e =>
            e.GetProperty("client_id").GetString() == client.ClientId && e.GetProperty("metadata").GetProperty("success").GetString() == "false"));
        Assert.Equal("authentication method other than the registered one", failure.GetProperty("metadata").GetProperty("reason").GetString());
    }
}

/// <summary>A public client never gets the password grant (RFC 9700 2.4).</summary>
public sealed class PublicClientPasswordGrantTests(Fixtures.FlowPasswordGrantFixture fixture) : HostTests<Fixtures.FlowPasswordGrantFixture>(fixture)
{
    [Fact]
    public async Task Registration_must_refuse_the_password_grant_for_a_public_client()
    {
        var document = new DynamicClientRegistrationDocument { ClientName = "spa", TokenEndpointAuthenticationMethod = "none", Scope = "read" };
        document.GrantTypes.Add("password");

        using var response = await Host.Client.RegisterClientAsync(new DynamicClientRegistrationRequest { Address = Host.RegistrationEndpoint, Document = document });

        Assert.Equal(HttpStatusCode.BadRequest, response.HttpStatusCode);
        Assert.Equal("invalid_client_metadata", response.Error);
        Assert.Contains("password", response.ErrorDescription, StringComparison.Ordinal);
    }
}
