using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OAuth2.Actors.Events.Tests.Support;
using Xunit;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The seed's fallback rule: a redis backend that cannot be used (a malformed URL) or is not compiled in is warned
/// about, naming the backend and the reason, and the server runs on in_memory. No Redis needed.
/// </summary>
public sealed class RedisFallbackTests
{
    [Fact]
    public async Task Redis_backend_with_a_malformed_url_must_fall_back_to_in_memory_with_a_warning()
    {
        await using var host = await BrokerServerHost.Start(
            new Dictionary<string, string?>
            {
                ["OAUTH2_EVENTS_BACKEND"] = "redis",
                ["OAUTH2_EVENTS_REDIS_URL"] = "redis://user:hunter2-secret@:notaport/x",
            },
            services => services.AddRedisEventBackend());

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("'redis'", StringComparison.Ordinal));
        Assert.Contains("OAUTH2_EVENTS_REDIS_URL", warning, StringComparison.Ordinal);
        Assert.Contains("in_memory", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("hunter2-secret", StringComparison.Ordinal));
        await AssertRunsOnInMemory(host);
    }

    [Fact]
    public async Task Redis_backend_must_fall_back_to_in_memory_when_it_is_not_compiled_in()
    {
        // No backend registered: what the default build of the host is (and what a -p:EventBackends build is made into here).
        await using var host = await BrokerServerHost.Start(
            new Dictionary<string, string?>
            {
                ["OAUTH2_EVENTS_BACKEND"] = "redis_streams",
                ["OAUTH2_EVENTS_REDIS_URL"] = "redis://127.0.0.1:6390",
            },
            services => services.RemoveAll<IEventBackend>());

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("'redis'", StringComparison.Ordinal));
        Assert.Contains("not compiled into this build", warning, StringComparison.Ordinal);
        Assert.Contains("-p:EventBackends=redis", warning, StringComparison.Ordinal);
        await AssertRunsOnInMemory(host);
    }

    [Fact]
    public async Task Redis_backend_must_combine_with_the_others_in_a_list()
    {
        // redis is usable (the plugin starts even with no Redis listening), console and in_memory alongside it.
        await using var host = await BrokerServerHost.Start(
            new Dictionary<string, string?>
            {
                ["OAUTH2_EVENTS_BACKEND"] = "in_memory,redis_streams,console",
                ["OAUTH2_EVENTS_REDIS_URL"] = "redis://127.0.0.1:1",
            },
            services => services.AddRedisEventBackend());

        var names = (await host.EventsHealth()).GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["console", "in_memory", "redis"], names.Order());
        Assert.DoesNotContain(host.Logs.Warnings, w => w.Contains("falling back", StringComparison.Ordinal));
    }

    private static async Task AssertRunsOnInMemory(BrokerServerHost host)
    {
        var plugins = (await host.EventsHealth()).GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["in_memory"], plugins);

        // Flows work, and their events land in the in-memory store.
        var client = await host.Register(correlationId: "fallback-register");
        var token = await host.AccessToken(client, "fallback-token");
        using (var introspection = await host.Introspect(token))
        {
            Assert.True(introspection.IsActive, introspection.Raw);
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (!(await host.StoredEvents($"event_type=token_created&client_id={client.ClientId}")).Any(e => e.GetProperty("correlation_id").GetString() == "fallback-token"))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "token_created did not reach the in-memory sink");
            await Task.Delay(50);
        }
    }
}
