using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>A broker backend as the fallback checks see it: its names, its URL variable and how a host adds it.</summary>
/// <param name="Name">The canonical backend name (<c>redis</c>, <c>rabbit</c>).</param>
/// <param name="Alias">Another accepted spelling (<c>redis_streams</c>, <c>rabbitmq</c>).</param>
/// <param name="UrlKey">The URL variable, e.g. OAUTH2_EVENTS_REDIS_URL.</param>
/// <param name="MalformedUrlWithSecret">A URL the backend refuses, with <c>hunter2-secret</c> as its password.</param>
/// <param name="UsableUrl">A well-formed URL (nothing needs to listen there).</param>
public sealed record BrokerBackend(string Name, string Alias, string UrlKey, string MalformedUrlWithSecret, string UsableUrl);

/// <summary>
/// The seed's fallback rule, the same for every URL-configured broker backend: one that cannot be used (a malformed
/// URL) or is not in the build is warned about, naming the backend and the reason, and the server runs on in_memory;
/// a usable one combines with the others in a list. No broker needed. The host is the production one: every backend
/// comes from its own list (CompiledEventBackends), the tests only set OAUTH2_EVENTS_BACKEND and the URL.
/// </summary>
public static class BackendFallbackChecks
{
    public static async Task MalformedUrlFallsBackToInMemoryWithAWarning(BrokerBackend backend)
    {
        await using var host = await BrokerServerHost.Start(
            new Dictionary<string, string?> { ["OAUTH2_EVENTS_BACKEND"] = backend.Name, [backend.UrlKey] = backend.MalformedUrlWithSecret });

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains($"'{backend.Name}'", StringComparison.Ordinal));
        Assert.Contains(backend.UrlKey, warning, StringComparison.Ordinal);
        Assert.Contains("in_memory", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("hunter2-secret", StringComparison.Ordinal));
        await AssertRunsOnInMemory(host);
    }

    public static async Task BackendNotCompiledInFallsBackToInMemory(BrokerBackend backend)
    {
        // A build whose backend list leaves this backend out: the host's broker registrations taken away again.
        await using var host = await BrokerServerHost.Start(
            new Dictionary<string, string?> { ["OAUTH2_EVENTS_BACKEND"] = backend.Alias, [backend.UrlKey] = backend.UsableUrl },
            services => services.RemoveAll<IEventBackend>());

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains($"'{backend.Name}'", StringComparison.Ordinal));
        Assert.Contains("is not in this build, which has: in_memory, console;", warning, StringComparison.Ordinal);
        Assert.Contains("falling back to in_memory", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("-p:", warning, StringComparison.Ordinal);
        await AssertRunsOnInMemory(host);
    }

    public static async Task BackendCombinesWithTheOthersInAList(BrokerBackend backend)
    {
        // The backend is usable (its plugin starts even with no broker listening), console and in_memory alongside it.
        await using var host = await BrokerServerHost.Start(
            new Dictionary<string, string?> { ["OAUTH2_EVENTS_BACKEND"] = $"in_memory,{backend.Alias},console", [backend.UrlKey] = backend.UsableUrl });

        var names = (await host.EventsHealth()).GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(new[] { "console", "in_memory", backend.Name }.Order(), names.Order());
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

        await host.StoredEventsWhen(
            stored => stored.Any(e => e.GetProperty("correlation_id").GetString() == "fallback-token"),
            "token_created of the fallback-token request",
            $"event_type=token_created&client_id={client.ClientId}");
    }
}
