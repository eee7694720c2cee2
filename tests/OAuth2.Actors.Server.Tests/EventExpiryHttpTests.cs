namespace OAuth2.Actors.Server.Tests;

/// <summary>token_expired is emitted when an expired token is presented; tokens here live 10 seconds.</summary>
public sealed class EventExpiryHttpTests(Fixtures.EventsShortTokenLifetimeServerFixture fixture) : HostTests<Fixtures.EventsShortTokenLifetimeServerFixture>(fixture)
{
    [Fact]
    public async Task Introspection_of_an_expired_token_must_emit_token_expired()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "read");
        var jwt = new JsonWebToken(token);
        var correlationId = "corr-" + Guid.NewGuid().ToString("N");

        // Wait for the expiry (at most the 10 s lifetime), then present the token once more.
        var wait = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await Eventually.Until(
            async () =>
            {
                using var introspection = await Host.Introspect(token, correlationId: correlationId);
                return !introspection.IsActive;
            },
            "the token is inactive after its expiry");

        var expired = await Host.WaitForEvent("token_expired", correlationId, client.ClientId);
        Assert.Equal("warning", expired.Severity());
        Assert.Equal("token_expired", expired.Error());
        Assert.Equal(jwt.Id, expired.Metadata("jti"));
        Assert.Equal("read", expired.Metadata("scope"));
        Assert.Equal("http", expired.Attribute("source"));
        Assert.Empty(EventEnvelopeSchema.Errors(expired));
    }
}
