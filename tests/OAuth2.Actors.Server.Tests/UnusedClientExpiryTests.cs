using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Openly registered clients nobody uses expire after a minute, on a clock the test moves.</summary>
public sealed class UnusedClientExpiryFixture() : TestHostFixture(("OAUTH2_REGISTRATION_UNUSED_CLIENT_TTL_SECONDS", "60"))
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override Action<IServiceCollection>? Services => services => services.AddSingleton<TimeProvider>(Time);
}

/// <summary>Each open registration is a journal write anyone can cause: the ones never used do not stay (finding 1).</summary>
public sealed class UnusedClientExpiryTests(UnusedClientExpiryFixture fixture) : HostTests<UnusedClientExpiryFixture>(fixture)
{
    private readonly FakeTimeProvider _time = fixture.Time;

    [Fact]
    public async Task Unused_client_expiry_must_remove_an_openly_registered_client_that_never_authenticated()
    {
        await Host.AdminToken();
        var unused = await Host.Register(scope: "read");
        var used = await Host.Register(scope: "read");
        var byAdmin = await Host.Register(scope: "read", bearer: await Host.AdminToken());
        Assert.False(string.IsNullOrEmpty(await Host.AccessToken(used)));

        _time.Advance(TimeSpan.FromSeconds(61));

        // The sweeper removes it without anyone asking for it, and says so in a client_deleted event.
        var deleted = Assert.Single(await Host.WaitForEventsOfType("client_deleted", e => e.GetProperty("client_id").GetString() == unused.ClientId));
        Assert.Equal("expiry", deleted.GetProperty("metadata").GetProperty("by").GetString());
        using var refused = await Host.RequestToken(unused);
        OAuthAssert.Error(refused, HttpStatusCode.Unauthorized, "invalid_client");

        // A client that authenticated once, and one the admin registered, stay.
        Assert.False(string.IsNullOrEmpty(await Host.AccessToken(used)));
        Assert.False(string.IsNullOrEmpty(await Host.AccessToken(byAdmin)));
    }

    [Fact]
    public async Task Unused_client_expiry_must_refuse_an_expired_client_even_before_the_sweeper_gets_to_it()
    {
        await Host.AdminToken();
        var unused = await Host.Register(scope: "read");

        _time.Advance(TimeSpan.FromSeconds(61));
        using var refused = await Host.RequestToken(unused);

        OAuthAssert.Error(refused, HttpStatusCode.Unauthorized, "invalid_client");
        using var configuration = await Host.Send(HttpMethod.Get, unused.RegistrationClientUri, unused.RegistrationAccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, configuration.StatusCode);
    }
}
