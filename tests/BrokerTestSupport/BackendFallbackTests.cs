using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Testing;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>A broker backend as the fallback checks see it: its names, its URL variable and how a host adds it.</summary>
/// <param name="Declared">The backend as the host registers it: it declares <c>Name</c> and <c>Alias</c>.</param>
/// <param name="Alias">Another spelling the backend declares (<c>redis_streams</c>, <c>rabbitmq</c>).</param>
/// <param name="UrlKey">The URL variable, e.g. OAUTH2_EVENTS_REDIS_URL.</param>
/// <param name="MalformedUrlWithSecret">A URL the backend refuses, with <c>hunter2-secret</c> as its password.</param>
/// <param name="UsableUrl">A well-formed URL (nothing needs to listen there).</param>
public sealed record BrokerBackend(IEventBackend Declared, string Alias, string UrlKey, string MalformedUrlWithSecret, string UsableUrl)
{
    public string Name => Declared.Name;

    /// <summary>The backend <typeparamref name="TOptions"/> declares, with <paramref name="alias"/> (one of its declared aliases).</summary>
    public static BrokerBackend For<TOptions>(string alias, string urlKey, string malformedUrlWithSecret, string usableUrl)
        where TOptions : class, IBrokerSinkOptions<TOptions>
    {
        Assert.Contains(alias, TOptions.BackendAliases);
        return new(new BrokerEventBackend<TOptions>(), alias, urlKey, malformedUrlWithSecret, usableUrl);
    }
}

/// <summary>
/// The seed's fallback rule, the same for every URL-configured broker backend: one that cannot be used (a malformed
/// URL) or is not in the build is warned about, naming the backend and the reason, and the server runs on in_memory;
/// a usable one combines with the others in a list, under any spelling it declares. No broker needed. The host is the
/// production one: every backend comes from its own list (CompiledEventBackends), the tests only set
/// OAUTH2_EVENTS_BACKEND and the URL.
/// </summary>
public abstract class BackendFallbackTests(BrokerBackend backend)
{
    [Fact]
    public async Task Backend_with_a_malformed_url_must_fall_back_to_in_memory_with_a_warning()
    {
        await using var host = await TestHost.Start(Settings(backend.Name, backend.MalformedUrlWithSecret));

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains($"'{backend.Name}'", StringComparison.Ordinal));
        Assert.Contains(backend.UrlKey, warning, StringComparison.Ordinal);
        Assert.Contains("in_memory", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("hunter2-secret", StringComparison.Ordinal));
        await AssertRunsOnInMemory(host);
    }

    [Fact]
    public async Task Backend_must_fall_back_to_in_memory_when_it_is_not_compiled_in()
    {
        // A build whose backend list leaves this backend out: the host's broker registrations taken away again.
        await using var host = await TestHost.Start(Settings(backend.Name, backend.UsableUrl), services => services.RemoveAll<IEventBackend>());

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains($"'{backend.Name}'", StringComparison.Ordinal));
        Assert.Contains("is not in this build, which has: in_memory, console, webhook;", warning, StringComparison.Ordinal);
        Assert.Contains("falling back to in_memory", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("-p:", warning, StringComparison.Ordinal);
        await AssertRunsOnInMemory(host);
    }

    [Fact]
    public async Task Backend_must_combine_with_the_others_in_a_list_under_its_alias()
    {
        // The backend is usable (its plugin starts even with no broker listening), console and in_memory alongside it.
        await using var host = await TestHost.Start(Settings($"in_memory,{backend.Alias},console", backend.UsableUrl));

        var names = (await host.EventsHealth()).GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(new[] { "console", "in_memory", backend.Name }.Order(), names.Order());
        Assert.DoesNotContain(host.Logs.Warnings, w => w.Contains("falling back", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backend_alias_must_resolve_to_its_name_only_through_the_backend_that_declares_it(bool registered)
    {
        // Core knows no broker: the alias means the backend only where the backend itself is in the build.
        var compiled = registered ? [backend.Declared] : Array.Empty<IEventBackend>();

        var (settings, warnings) = new EventOptions { Backend = backend.Alias.ToUpperInvariant() }
            .ToSettings(compiled.Select(b => b.Name).ToArray(), EventBackendRegistration.Spellings(compiled));

        Assert.Equal(registered ? [backend.Name] : [EventBackends.InMemory], settings.Backends);
        if (registered)
        {
            Assert.Empty(warnings);
        }
        else
        {
            Assert.Contains(warnings, w => w.Contains($"'{backend.Alias.ToUpperInvariant()}'", StringComparison.Ordinal));
        }
    }

    /// <summary>The server runs on in_memory alone: flows work, and their events land in the in-memory store.</summary>
    public static async Task AssertRunsOnInMemory(TestHost host)
    {
        var plugins = (await host.EventsHealth()).GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["in_memory"], plugins);

        var client = await host.Register(correlationId: "fallback-register");
        var token = await host.AccessToken(client, correlationId: "fallback-token");
        Assert.True(await host.IsActive(token), "the token of the fallback-token request is not active");

        await host.StoredEventsWhen(
            stored => stored.Any(e => e.CorrelationId() == "fallback-token"),
            "token_created of the fallback-token request",
            $"event_type=token_created&client_id={client.ClientId}");
    }

    private Dictionary<string, string?> Settings(string backends, string url) => new()
    {
        ["OAUTH2_EVENTS_BACKEND"] = backends,
        [backend.UrlKey] = url,
    };
}
