namespace OAuth2.Actors.Server.Tests;

/// <summary>RFC 7009 token revocation.</summary>
public sealed class RevocationTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private RegisteredClient _owner = null!;
    private RegisteredClient _other = null!;

    public override async Task InitializeAsync()
    {
        _owner = await Host.Register(scope: "read");
        _other = await Host.Register(scope: "read");
    }

    [Theory]
    [InlineData("unknown-token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2ln")]
    public async Task Revocation_must_answer_200_for_an_unknown_token(string token)
    {
        using var response = await Host.Revoke(token, _owner);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
    }

    [Fact]
    public async Task Revocation_must_answer_200_for_an_unknown_token_type_hint()
    {
        var token = await Host.AccessToken(_owner);

        using var response = await Host.Revoke(token, _owner, tokenTypeHint: "something_else");

        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
    }

    [Theory]
    [InlineData(ClientCredentialStyle.AuthorizationHeader)]
    [InlineData(ClientCredentialStyle.PostBody)]
    public async Task Revocation_of_an_own_token_must_answer_200_and_make_it_inactive(ClientCredentialStyle style)
    {
        var owner = await Host.RegisterFor(style);
        var token = await Host.AccessToken(owner, style: style);
        using (var active = await Host.Introspect(token))
        {
            Assert.True(active.IsActive, active.Raw);
        }

        using var response = await Host.Client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = Host.RevocationEndpoint,
            ClientId = owner.ClientId,
            ClientSecret = owner.ClientSecret,
            ClientCredentialStyle = style,
            Token = token,
            TokenTypeHint = "access_token",
        });

        Assert.False(response.IsError, response.Raw);
        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        using var introspection = await Host.Introspect(token);
        Assert.False(introspection.IsActive);
        OAuthAssert.Inactive(introspection.Raw);
    }

    [Fact]
    public async Task Revocation_must_be_idempotent()
    {
        var token = await Host.AccessToken(_owner);

        using var first = await Host.Revoke(token, _owner);
        using var second = await Host.Revoke(token, _owner);

        Assert.Equal(HttpStatusCode.OK, first.HttpStatusCode);
        Assert.Equal(HttpStatusCode.OK, second.HttpStatusCode);
        using var introspection = await Host.Introspect(token);
        Assert.False(introspection.IsActive);
    }

    [Fact]
    public async Task Revocation_must_leave_other_tokens_of_the_client_active()
    {
        var revoked = await Host.AccessToken(_owner);
        var kept = await Host.AccessToken(_owner);

        using var response = await Host.Revoke(revoked, _owner);

        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        using var introspection = await Host.Introspect(kept);
        Assert.True(introspection.IsActive, introspection.Raw);
    }

    [Fact]
    public async Task Revocation_must_refuse_a_client_revoking_another_clients_token()
    {
        var token = await Host.AccessToken(_owner);

        using var response = await Host.Revoke(token, _other);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "unauthorized_client");
        using var introspection = await Host.Introspect(token);
        Assert.True(introspection.IsActive, "A refused revocation must leave the token active: " + introspection.Raw);
    }

    [Fact]
    public async Task Revocation_must_refuse_an_admin_revoking_another_clients_token()
    {
        var token = await Host.AccessToken(_owner);
        var admin = TestHost.Admin;

        using var response = await Host.Revoke(token, admin);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "unauthorized_client");
        using var introspection = await Host.Introspect(token);
        Assert.True(introspection.IsActive);
    }

    [Fact]
    public async Task Revocation_without_client_authentication_must_answer_401_invalid_client_and_keep_the_token()
    {
        var token = await Host.AccessToken(_owner);

        using var response = await Host.PostForm(TestHost.RevocationPath, null, ("token", token));

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
        using var introspection = await Host.Introspect(token);
        Assert.True(introspection.IsActive);
    }

    [Fact]
    public async Task Revocation_with_a_wrong_secret_must_answer_401_invalid_client_and_keep_the_token()
    {
        var token = await Host.AccessToken(_owner);

        using var response = await Host.Revoke(token, _owner with { ClientSecret = "wrong" });

        OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
        using var introspection = await Host.Introspect(token);
        Assert.True(introspection.IsActive);
    }

    [Fact]
    public async Task Revocation_without_a_token_parameter_must_answer_invalid_request()
    {
        using var response = await Host.PostForm(TestHost.RevocationPath, _owner, ("token_type_hint", "access_token"));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Revoked_token_must_no_longer_authorize_registration()
    {
        var admin = await Host.RevokedAdminToken();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Host.Register(scope: "admin", bearer: admin));
    }
}
