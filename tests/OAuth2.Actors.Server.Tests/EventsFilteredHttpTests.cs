namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_EVENTS_FILTER_MODE=include, OAUTH2_EVENTS_TYPES=token_created, OAUTH2_EVENTS_BACKEND=console,in_memory.</summary>
public sealed class EventsFilteredHttpTests(Fixtures.EventsFilteredServerFixture fixture) : HostTests<Fixtures.EventsFilteredServerFixture>(fixture)
{
    [Fact]
    public async Task Events_must_store_only_the_included_types()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "read write");
        using (await Host.RequestToken(client.ClientId, "wrong-secret-0123456789-0123456789"))
        {
        }

        using (await Host.Introspect(token))
        {
        }

        using (await Host.Revoke(token, client))
        {
        }

        var created = Assert.Single(await Host.WaitForEvents($"client_id={client.ClientId}", _ => true));
        Assert.Equal("token_created", created.Type());
        Assert.Equal(new JsonWebToken(token).Id, created.Metadata("jti"));

        // Every event emitted before the marker has been through the pipeline: the withheld ones were dropped.
        await Host.SettleEvents();
        var all = await Host.Events("limit=1000");
        Assert.NotEmpty(all);
        Assert.All(all, e => Assert.Equal("token_created", e.Type()));
        Assert.Single(await Host.Events($"client_id={client.ClientId}"));

        // /events/health is probed at most once a second: wait for a probe that saw the withheld events.
        await Host.WaitForHealth(health => health.GetProperty("filtered").GetInt64() > 0, "withheld events counted as filtered");
    }

    [Fact]
    public async Task Ingest_must_accept_but_not_store_a_withheld_type()
    {
        var clientId = "ext-client-" + Guid.NewGuid().ToString("N");
        var withheld = $$$"""{"event":{"id":"{{{Guid.NewGuid():N}}}","event_type":"user_logout","timestamp":"2024-01-15T10:30:00Z","client_id":"{{{clientId}}}"}}""";
        var passes = $$$"""{"event":{"id":"{{{Guid.NewGuid():N}}}","event_type":"token_created","timestamp":"2024-01-15T10:30:00Z","client_id":"{{{clientId}}}"}}""";

        using var first = await Host.Ingest(withheld, await Host.AdminToken());
        using var second = await Host.Ingest(passes, await Host.AdminToken());

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var stored = Assert.Single(await Host.WaitForEvents($"client_id={clientId}", _ => true));
        Assert.Equal("token_created", stored.Type());
        await Host.SettleEvents();
        Assert.Single(await Host.Events($"client_id={clientId}"));
    }

    [Fact]
    public async Task Health_must_list_the_console_and_in_memory_plugins()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);
        await Host.WaitForEvents($"client_id={client.ClientId}", _ => true);

        var console = await Host.WaitForSink("console", c => c.GetProperty("delivered").GetInt64() > 0, Eventually.DefaultDeadline, "delivered something");
        Assert.Equal(0, console.GetProperty("failed").GetInt64());
        var health = await Host.EventsHealth();
        var plugins = health.GetProperty("plugins").EnumerateArray().Where(p => p.GetProperty("kind").GetString() == "plugin").ToArray();
        Assert.Equal(["console", "in_memory"], plugins.Select(p => p.GetProperty("name").GetString()!).Order());
        Assert.All(plugins, p => Assert.True(p.GetProperty("healthy").GetBoolean()));
        Assert.True(health.GetProperty("enabled").GetBoolean());
    }
}
