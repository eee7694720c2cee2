namespace OAuth2.Actors.Server.Tests;

/// <summary>The password grant is off by default (OAUTH2_ALLOW_PASSWORD_GRANT=false).</summary>
public sealed class PasswordGrantDisabledTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task PasswordGrant_must_be_unsupported_by_default()
    {
        using var response = await PasswordGrantTests.PasswordGrantByACodeClient(Host);

        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    [Fact]
    public async Task PasswordGrant_must_not_be_registrable_by_default()
    {
        var document = new DynamicClientRegistrationDocument { ClientName = "wants password", Scope = "read" };
        document.GrantTypes.Add("password");

        using var response = await Host.Client.RegisterClientAsync(new DynamicClientRegistrationRequest { Address = Host.Issuer + "/clients/register", Document = document });

        Assert.Equal(HttpStatusCode.BadRequest, response.HttpStatusCode);
        Assert.Equal("invalid_client_metadata", response.Error);
    }

    [Fact]
    public async Task PasswordGrant_disabled_must_not_emit_user_events()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);

        using var response = await Host.PasswordGrant(client, user.Username, "wrong password here");

        Assert.True(response.IsError);
        await Host.SettleEvents();
        var events = (await Host.Events("event_type=user_authentication_failed&limit=1000")).Concat(await Host.Events("event_type=user_authenticated&limit=1000")).Select(e => e.Event());
        Assert.DoesNotContain(events, e => FlowAssert.Str(e, "user_id") == user.UserId);
    }
}
