namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_REFRESH_TOKEN_REUSE_LEEWAY=30: an immediate second use (a retried request) does not revoke the family.</summary>
public sealed class RefreshTokenLeewayTests(Fixtures.FlowReuseLeewayFixture fixture) : HostTests<Fixtures.FlowReuseLeewayFixture>(fixture)
{
    [Fact]
    public async Task RefreshToken_reuse_within_the_leeway_must_fail_without_revoking_the_family()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);
        using var rotated = await Host.Refresh(client, tokens.RefreshToken!);
        Assert.False(rotated.IsError, rotated.Raw);

        using var retried = await Host.Refresh(client, tokens.RefreshToken!);

        OAuthAssert.Error(retried, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.True(await Host.IsActive(rotated.AccessToken!), "Within the leeway the grant's tokens stay active.");
        Assert.True(await Host.IsActive(tokens.AccessToken!));
        using var next = await Host.Refresh(client, rotated.RefreshToken!);
        Assert.False(next.IsError, "Within the leeway the newest refresh token keeps working: " + next.Raw);
        await Host.SettleEvents();
        var reuse = (await Host.Events("event_type=token_revoked&limit=1000")).Select(e => e.Event())
            .Where(e => FlowAssert.Str(e, "client_id") == client.ClientId && FlowAssert.Meta(e, "reason") == "refresh_token_reuse");
        Assert.Empty(reuse);
    }
}
