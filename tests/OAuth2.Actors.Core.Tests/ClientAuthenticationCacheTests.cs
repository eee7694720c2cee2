using Microsoft.Extensions.Time.Testing;
using OAuth2.Actors.Clients;
using Xunit;

namespace OAuth2.Actors.Core.Tests;

public class ClientAuthenticationCacheTests
{
    private const string Secret = "the-secret-of-billing-0123456789abcdef";
    private static readonly ClientView Billing = new("billing", "Billing", [], ["client_credentials"], [], "client_secret_basic", "read");
    private static readonly ClientView Spa = new("spa", "SPA", ["https://app.example/cb"], ["authorization_code"], ["code"], "none", "read");
    private readonly FakeTimeProvider _time = new(SpecSupport.Start);

    [Fact]
    public void ClientAuthenticationCache_must_answer_the_client_for_the_secret_that_succeeded_and_nothing_else()
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromMinutes(1), _time);

        cache.Remember("billing", Secret, Billing, cache.Epoch);

        Assert.Same(Billing, cache.TryAuthenticate("billing", Secret));
        Assert.Null(cache.TryAuthenticate("billing", Secret + "x"));
        Assert.Null(cache.TryAuthenticate("billing", Secret[..^1]));
        Assert.Null(cache.TryAuthenticate("billing", null));
        Assert.Null(cache.TryAuthenticate("other", Secret));
    }

    [Fact]
    public void ClientAuthenticationCache_must_answer_a_public_client_only_without_a_secret()
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromMinutes(1), _time);

        cache.Remember("spa", null, Spa, cache.Epoch);

        Assert.Same(Spa, cache.TryAuthenticate("spa", null));
        Assert.Null(cache.TryAuthenticate("spa", "anything-presented-as-a-secret"));
    }

    [Fact]
    public void ClientAuthenticationCache_must_forget_a_client_when_it_is_invalidated()
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromMinutes(1), _time);
        cache.Remember("billing", Secret, Billing, cache.Epoch);

        cache.Invalidate("billing");

        Assert.Null(cache.TryAuthenticate("billing", Secret));
    }

    [Fact]
    public void ClientAuthenticationCache_must_not_keep_an_answer_an_invalidation_overtook()
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromMinutes(1), _time);
        var epoch = cache.Epoch; // read before asking the entity ...

        cache.Invalidate("billing"); // ... the client changes while the (old) answer is on its way ...
        cache.Remember("billing", Secret, Billing, epoch);

        Assert.Null(cache.TryAuthenticate("billing", Secret));
    }

    [Fact]
    public void ClientAuthenticationCache_must_stop_trusting_an_entry_after_its_time_to_live()
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromSeconds(30), _time);
        cache.Remember("billing", Secret, Billing, cache.Epoch);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Same(Billing, cache.TryAuthenticate("billing", Secret));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(cache.TryAuthenticate("billing", Secret));
    }

    [Fact]
    public void ClientAuthenticationCache_must_keep_nothing_when_disabled()
    {
        var cache = ClientAuthenticationCache.Disabled;

        cache.Remember("billing", Secret, Billing, cache.Epoch);

        Assert.False(cache.Enabled);
        Assert.Null(cache.TryAuthenticate("billing", Secret));
    }

    [Fact]
    public void ClientAuthenticationCache_must_stay_within_its_capacity()
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromMinutes(1), _time, capacity: 3);

        for (var i = 0; i < 4; i++)
        {
            cache.Remember("client-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Secret, Billing, cache.Epoch);
        }

        var kept = Enumerable.Range(0, 4).Count(i => cache.TryAuthenticate("client-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Secret) is not null);
        Assert.InRange(kept, 1, 3);
    }
}
