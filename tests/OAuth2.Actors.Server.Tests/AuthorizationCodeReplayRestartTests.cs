namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// RFC 6749 4.1.2: a code used twice revokes the tokens issued from it, also when the second use comes after the
/// server restarted (the code entity and what it knew are gone from memory; the journal still has them).
/// </summary>
public sealed class AuthorizationCodeReplayRestartTests : RestartingHostTests
{
    [Fact]
    public async Task AuthorizationCode_replayed_after_a_restart_must_fail_and_revoke_the_tokens_of_the_first_exchange()
    {
        await using var first = await TestHost.Start(DataDirectory);
        var (client, code, pkce) = await first.CodeFor();
        using var exchanged = await first.ExchangeCode(client, code, pkce.Verifier);
        Assert.False(exchanged.IsError, exchanged.Raw);

        await using var second = await first.Restart();
        Assert.True(await second.IsActive(exchanged.AccessToken!), "The token issued before the restart is active until the replay.");

        using var replay = await second.ExchangeCode(client, code, pkce.Verifier);

        OAuthAssert.Error(replay, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await second.IsActive(exchanged.AccessToken!), "RFC 6749 4.1.2: a replayed code revokes the tokens issued from it, whenever it comes.");
        using var refresh = await second.Refresh(client, exchanged.RefreshToken!);
        OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        await FlowAssert.CodeExpiredEvent(second, client, "replayed");
    }
}
