namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_ALLOW_PASSWORD_GRANT=true: clients registered for "password" get tokens and the user events are emitted.</summary>
public sealed class PasswordGrantTests(Fixtures.FlowPasswordGrantFixture fixture) : HostTests<Fixtures.FlowPasswordGrantFixture>(fixture)
{
    [Fact]
    public async Task PasswordGrant_must_issue_tokens_and_emit_user_authenticated()
    {
        var user = await Host.CreateUser();
        var client = await PasswordClient();

        using var response = await Host.PasswordGrant(client, user.Username, user.Password, "read");

        Assert.False(response.IsError, response.Raw);
        Assert.Equal("read", response.Scope);
        Assert.False(string.IsNullOrEmpty(response.RefreshToken));
        Assert.True(await Host.IsActive(response.AccessToken!));
        Assert.Equal(user.UserId, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(response.AccessToken).Subject);
        var authenticated = await Host.WaitForEventsOfType("user_authenticated", e => FlowAssert.Str(e, "user_id") == user.UserId);
        Assert.Equal("password_grant", FlowAssert.Meta(authenticated[0], "method"));
        Assert.Equal(client.ClientId, FlowAssert.Str(authenticated[0], "client_id"));
        var created = await Host.WaitForEventsOfType("token_created", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal("password", FlowAssert.Meta(created[0], "grant_type"));

        using var refreshed = await Host.Refresh(client, response.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Raw);
    }

    [Fact]
    public async Task PasswordGrant_with_a_wrong_password_must_answer_invalid_grant_and_emit_user_authentication_failed()
    {
        var user = await Host.CreateUser();
        var client = await PasswordClient();

        using var response = await Host.PasswordGrant(client, user.Username, "not the password");

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_grant");
        var failed = await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Str(e, "user_id") == user.UserId);
        Assert.Equal("bad_password", FlowAssert.Meta(failed[0], "reason"));
        Assert.Equal("password_grant", FlowAssert.Meta(failed[0], "method"));
        Assert.Equal(client.ClientId, FlowAssert.Str(failed[0], "client_id"));
        Assert.DoesNotContain("not the password", await Host.EventsJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordGrant_with_an_unknown_user_must_answer_the_same_invalid_grant()
    {
        var user = await Host.CreateUser();
        var client = await PasswordClient();
        using var wrong = await Host.PasswordGrant(client, user.Username, "not the password");
        var unknownName = TestHost.NewUsername("ghost");

        using var unknown = await Host.PasswordGrant(client, unknownName, "whatever password");

        var wrongBody = OAuthAssert.Error(wrong, HttpStatusCode.BadRequest, "invalid_grant");
        var unknownBody = OAuthAssert.Error(unknown, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(wrongBody.GetProperty("error_description").GetString(), unknownBody.GetProperty("error_description").GetString());
        var failed = await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Meta(e, "username") == unknownName);
        Assert.Equal("unknown_user", FlowAssert.Meta(failed[0], "reason"));
    }

    [Fact]
    public async Task PasswordGrant_must_be_refused_to_a_client_not_registered_for_it()
    {
        using var response = await PasswordGrantByACodeClient(Host);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task PasswordGrant_must_refuse_a_scope_outside_the_client()
    {
        var user = await Host.CreateUser();
        var client = await PasswordClient();

        using var response = await Host.PasswordGrant(client, user.Username, user.Password, "read admin");

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Theory]
    [InlineData("username")]
    [InlineData("password")]
    public async Task PasswordGrant_must_answer_invalid_request_without_username_or_password(string missing)
    {
        var user = await Host.CreateUser();
        var client = await PasswordClient();
        var fields = new List<(string, string)> { ("grant_type", "password") };
        if (missing != "username")
        {
            fields.Add(("username", user.Username));
        }

        if (missing != "password")
        {
            fields.Add(("password", user.Password));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = TestHost.Form([.. fields]) };
        request.Headers.Authorization = new BasicAuthenticationHeaderValue(client.ClientId, client.ClientSecret!);
        using var response = await Host.Client.SendAsync(request);

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task PasswordGrant_must_back_off_like_the_login_page()
    {
        var user = await Host.CreateUser();
        var client = await PasswordClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await Host.PasswordGrant(client, user.Username, $"wrong password {i}");
            Assert.True(wrong.IsError);
        }

        using var right = await Host.PasswordGrant(client, user.Username, user.Password);

        OAuthAssert.Error(right, HttpStatusCode.BadRequest, "invalid_grant");
        await Host.WaitForEventsOfType("user_authentication_failed", e => FlowAssert.Str(e, "user_id") == user.UserId && FlowAssert.Meta(e, "reason") == "backing_off");
    }

    /// <summary>A new user's password grant requested by a confidential client registered for the authorization code grant only.</summary>
    internal static async Task<TokenResponse> PasswordGrantByACodeClient(TestHost host)
    {
        var user = await host.CreateUser();
        var client = await host.RegisterCodeClient(confidential: true);
        return await host.PasswordGrant(client, user.Username, user.Password);
    }

    private async Task<RegisteredClient> PasswordClient() =>
        await Host.RegisterCodeClient(confidential: true, grantTypes: ["password", "refresh_token"]);
}
