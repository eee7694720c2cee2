namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_AUTHORIZATION_CODE_TTL=5: a code redeemed after its lifetime is refused and reported.</summary>
public sealed class AuthorizationCodeExpiryTests(Fixtures.FlowShortCodeFixture fixture) : HostTests<Fixtures.FlowShortCodeFixture>(fixture)
{
    [Fact]
    public async Task AuthorizationCode_must_expire_after_its_ttl_and_emit_authorization_code_expired()
    {
        using var flow = await Host.NewFlow(signedIn: true);
        var (user, client, browser) = flow;
        var pkce = Pkce.New();
        var issuedBefore = DateTimeOffset.UtcNow;
        var result = await browser.Authorize(client, user, pkce);
        Assert.NotNull(result.Code);

        // The code was created after issuedBefore: wait until its lifetime has surely passed.
        var expired = issuedBefore + TimeSpan.FromSeconds(Fixtures.FlowShortCodeFixture.CodeTtlSeconds + 15);
        var waitFor = expired - DateTimeOffset.UtcNow;
        if (waitFor > TimeSpan.Zero)
        {
            await Task.Delay(waitFor);
        }

        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
        await FlowAssert.CodeExpiredEvent(Host, client, "expired");
    }

    [Fact]
    public async Task AuthorizationCode_must_work_within_its_ttl()
    {
        var (client, code, pkce) = await Host.CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, pkce.Verifier);

        Assert.False(tokens.IsError, tokens.Raw);
    }
}
