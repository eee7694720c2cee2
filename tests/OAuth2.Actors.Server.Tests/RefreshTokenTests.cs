namespace OAuth2.Actors.Server.Tests;

/// <summary>Refresh tokens: rotation on every use, reuse detection revoking the family, scope narrowing, RFC 7009 revocation.</summary>
public sealed class RefreshTokenTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task RefreshToken_must_rotate_and_the_new_one_must_work()
    {
        var (client, tokens) = await Grant();

        using var first = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(first.IsError, first.Raw);
        Assert.NotEqual(tokens.RefreshToken, first.RefreshToken);
        Assert.NotEqual(tokens.AccessToken, first.AccessToken);
        Assert.Equal("read write", first.Scope);
        Assert.True(await Host.IsActive(first.AccessToken!));

        using var second = await Host.Refresh(client, first.RefreshToken!);
        Assert.False(second.IsError, second.Raw);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.True(second.HttpResponse!.Headers.CacheControl?.NoStore == true);

        var created = await Host.WaitForEventsOfType("token_created", e => FlowAssert.Str(e, "client_id") == client.ClientId && FlowAssert.Meta(e, "grant_type") == "refresh_token", count: 2);
        Assert.Equal(2, created.Count);
    }

    [Fact]
    public async Task RefreshToken_reuse_after_rotation_must_fail_and_revoke_the_whole_family()
    {
        var (client, tokens) = await Grant();
        using var rotated = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(rotated.IsError, rotated.Raw);

        using var reused = await Host.Refresh(client, tokens.RefreshToken!);

        OAuthAssert.Error(reused, HttpStatusCode.BadRequest, "invalid_grant");
        using var newest = await Host.Refresh(client, rotated.RefreshToken!);
        OAuthAssert.Error(newest, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await Host.IsActive(tokens.AccessToken!), "The first access token of the grant must be revoked.");
        Assert.False(await Host.IsActive(rotated.AccessToken!), "The access token from the rotation must be revoked.");
        var revoked = await Host.WaitForEventsOfType("token_revoked", e => FlowAssert.Str(e, "client_id") == client.ClientId && FlowAssert.Meta(e, "reason") == "refresh_token_reuse");
        Assert.Equal("refresh_token", FlowAssert.Meta(revoked[0], "token_type"));
        Assert.DoesNotContain(tokens.RefreshToken!, await Host.EventsJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshToken_must_allow_narrowing_the_scope()
    {
        var (client, tokens) = await Grant();

        using var narrowed = await Host.Refresh(client, tokens.RefreshToken!, scope: "read");

        Assert.False(narrowed.IsError, narrowed.Raw);
        Assert.Equal("read", narrowed.Scope);
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(narrowed.AccessToken);
        Assert.Equal("read", jwt.GetPayloadValue<string>("scope"));
    }

    [Theory]
    [InlineData("read write admin")]
    [InlineData("profile")]
    public async Task RefreshToken_must_refuse_widening_the_scope_and_keep_the_token_usable(string scope)
    {
        var (client, tokens) = await Grant(grantedScope: "read write", clientScope: "read write profile");

        using var widened = await Host.Refresh(client, tokens.RefreshToken!, scope: scope);

        OAuthAssert.Error(widened, HttpStatusCode.BadRequest, "invalid_scope");
        using var ok = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(ok.IsError, "A refused scope must not consume the refresh token: " + ok.Raw);
    }

    /// <summary>A scope taken from the client since the grant is not renewed by a refresh (its old grant does not keep it).</summary>
    [Fact]
    public async Task RefreshToken_must_drop_a_scope_the_client_has_lost_since_the_grant()
    {
        var (client, tokens) = await Grant(grantedScope: "read write", clientScope: "read write");
        await SetClientScope(client, "read");

        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);

        Assert.False(refreshed.IsError, refreshed.Raw);
        Assert.Equal("read", refreshed.Scope);
        Assert.Equal("read", new JsonWebToken(refreshed.AccessToken).GetPayloadValue<string>("scope"));

        // Asking for the lost scope explicitly does not bring it back either.
        using var asked = await Host.Refresh(client, refreshed.RefreshToken!, scope: "read write");
        Assert.False(asked.IsError, asked.Raw);
        Assert.Equal("read", asked.Scope);
    }

    [Fact]
    public async Task RefreshToken_must_answer_invalid_scope_when_the_client_holds_none_of_the_granted_scopes_any_more()
    {
        var (client, tokens) = await Grant(grantedScope: "read write", clientScope: "read write profile");
        await SetClientScope(client, "profile");

        using var refreshed = await Host.Refresh(client, tokens.RefreshToken!);

        OAuthAssert.Error(refreshed, HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task RefreshToken_must_be_refused_for_another_client()
    {
        var (_, tokens) = await Grant();
        var other = await Host.RegisterCodeClient();

        using var stolen = await Host.Refresh(other, tokens.RefreshToken!);

        OAuthAssert.Error(stolen, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("0123456789abcdef.0123456789abcdef0123456789abcdef01")]
    [InlineData("a.b.c")]
    public async Task RefreshToken_must_refuse_an_unknown_token(string token)
    {
        var client = await Host.RegisterCodeClient();

        using var response = await Host.Refresh(client, token);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task RefreshToken_must_not_be_issued_to_a_client_without_the_refresh_token_grant()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(grantTypes: ["authorization_code"]);

        using var tokens = await Host.TokensFor(client, user);

        Assert.Null(tokens.RefreshToken);
    }

    [Fact]
    public async Task RefreshToken_revoked_at_the_revocation_endpoint_must_revoke_its_family()
    {
        var (client, tokens) = await Grant();
        using var rotated = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(rotated.IsError, rotated.Raw);

        using var revoke = await Host.Revoke(rotated.RefreshToken!, client, "refresh_token");

        Assert.False(revoke.IsError, revoke.Raw);
        using var refresh = await Host.Refresh(client, rotated.RefreshToken!);
        OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await Host.IsActive(rotated.AccessToken!), "RFC 7009 2.1: revoking a refresh token also ends the access tokens of its grant.");
        await Host.WaitForEventsOfType("token_revoked", e => FlowAssert.Str(e, "client_id") == client.ClientId && FlowAssert.Meta(e, "token_type") == "refresh_token");
    }

    [Fact]
    public async Task RefreshToken_revoked_without_a_type_hint_must_revoke_its_family()
    {
        var (client, tokens) = await Grant();

        using var revoke = await Host.Revoke(tokens.RefreshToken!, client, tokenTypeHint: null);

        Assert.False(revoke.IsError, revoke.Raw);
        using var refresh = await Host.Refresh(client, tokens.RefreshToken!);
        OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task RefreshToken_revocation_by_another_client_must_not_revoke_it()
    {
        var (client, tokens) = await Grant();
        var other = await Host.RegisterCodeClient();

        using var revoke = await Host.Revoke(tokens.RefreshToken!, other, "refresh_token");

        using var refresh = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(refresh.IsError, "Another client cannot revoke this client's refresh token: " + refresh.Raw);
    }

    [Fact]
    public async Task RefreshToken_revocation_with_a_forged_secret_must_not_revoke_the_family()
    {
        // The family id is the grant id, readable in every access token of the grant ("gid"); the secret is not.
        var (client, tokens) = await Grant();
        var gid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).GetPayloadValue<string>("gid");
        var forged = gid + "." + Pkce.New().Verifier;

        using var revoke = await Host.Revoke(forged, client, "refresh_token");

        Assert.False(revoke.IsError, "RFC 7009 2.2: an invalid token is answered 200: " + revoke.Raw);
        using var refresh = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(refresh.IsError, "A refresh token that was never presented must not be revoked: " + refresh.Raw);
    }

    [Fact]
    public async Task RefreshToken_must_keep_working_when_an_access_token_is_revoked()
    {
        var (client, tokens) = await Grant();

        using var revoke = await Host.Revoke(tokens.AccessToken!, client, "access_token");

        Assert.False(revoke.IsError, revoke.Raw);
        Assert.False(await Host.IsActive(tokens.AccessToken!));
        using var refresh = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(refresh.IsError, "RFC 7009: revoking an access token leaves the refresh token alone: " + refresh.Raw);
        Assert.True(await Host.IsActive(refresh.AccessToken!));
    }

    [Fact]
    public async Task RefreshToken_works_for_a_confidential_client_with_client_secret_basic()
    {
        var (client, tokens) = await Grant(confidential: true);

        using var refresh = await Host.Refresh(client, tokens.RefreshToken!);
        using var noSecret = await Host.Refresh(client with { ClientSecret = null }, refresh.RefreshToken!);

        Assert.False(refresh.IsError, refresh.Raw);
        OAuthAssert.Error(noSecret, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task RefreshToken_must_refuse_a_repeated_refresh_token_parameter()
    {
        var (client, tokens) = await Grant();

        using var response = await Host.Client.PostAsync("/oauth/token", TestHost.Form(
            ("grant_type", "refresh_token"),
            ("client_id", client.ClientId),
            ("refresh_token", tokens.RefreshToken!),
            ("refresh_token", tokens.RefreshToken!)));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task RefreshToken_must_refuse_a_missing_refresh_token()
    {
        var client = await Host.RegisterCodeClient();

        using var response = await Host.Client.PostAsync("/oauth/token", TestHost.Form(("grant_type", "refresh_token"), ("client_id", client.ClientId)));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    /// <summary>The admin replaces the client's scope (RFC 7592 PUT), everything else unchanged.</summary>
    private async Task SetClientScope(RegisteredClient client, string scope)
    {
        var metadata = new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_name"] = "Flow test app",
            ["redirect_uris"] = new JsonArray(client.RedirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = client.ClientSecret is null ? "none" : "client_secret_basic",
            ["scope"] = scope,
        };
        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, await Host.AdminToken(), JsonContent.Create(metadata));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<(RegisteredClient Client, TokenResponse Tokens)> Grant(bool confidential = false, string grantedScope = "read write", string clientScope = "read write")
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: confidential, scope: clientScope);
        var tokens = await Host.TokensFor(client, user, grantedScope);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken), tokens.Raw);
        return (client, tokens);
    }
}
