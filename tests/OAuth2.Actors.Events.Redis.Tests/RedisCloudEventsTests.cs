using OAuth2.Actors.Events.CloudEvents;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>The Redis Streams sink in both CloudEvents formats against the real Redis: entries read back with XRANGE and the SDK.</summary>
public sealed class RedisCloudEventsTests
{
    [SkippableTheory]
    [InlineData(EventFormat.CloudEvents)]
    [InlineData(EventFormat.CloudEventsStructured)]
    public Task Redis_sink_in_a_CloudEvents_format_must_write_type_id_and_the_structured_CloudEvent(EventFormat format) => RedisBroker.WithStream("ce", async (url, stream, database) =>
    {
        var envelopes = new[] { CloudEventChecks.Rich(), CloudEventChecks.Bare(), CloudEventChecks.Rich(EventType.ClientRegistered) with { Event = CloudEventChecks.Rich(EventType.ClientRegistered).Event with { UserId = null } } };
        await using var plugin = new RedisEventPlugin(new RedisEventSinkOptions { Url = url, Stream = stream, Format = format, Source = CloudEventChecks.Source });

        await plugin.EmitBatchAsync(envelopes, CancellationToken.None);

        var entries = await RedisBroker.ReadAll(database, stream);
        Assert.Equal(envelopes.Length, entries.Count);
        for (var i = 0; i < envelopes.Length; i++)
        {
            var entry = entries[i];
            Assert.Equal(["type", "id", "cloudevent"], entry.Values.Select(v => v.Name.ToString()));
            Assert.Equal(EventCloudEvents.TypeOf(envelopes[i].Event.EventType), entry.Field("type"));
            Assert.Equal(envelopes[i].Event.Id, entry.Field("id"));
            var decoded = CloudEventChecks.FromStructured((byte[])entry["cloudevent"]!);
            CloudEventChecks.AssertMatches(envelopes[i], decoded);
        }
    });

    [Fact]
    public void Redis_options_must_read_the_format_and_the_issuer_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OAUTH2_EVENTS_SINK_REDIS_STREAMS_FORMAT"] = "cloudevents-structured",
            ["OAUTH2_ISSUER"] = "https://auth.example.com/",
        }).Build();

        var (options, problem) = RedisEventSinkOptions.FromConfiguration(configuration);

        Assert.Null(problem);
        Assert.Equal(EventFormat.CloudEventsStructured, options!.Format);
        Assert.Equal(new Uri("https://auth.example.com"), options.Source);
        var (_, invalid) = RedisEventSinkOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OAUTH2_EVENTS_SINK_REDIS_FORMAT"] = "xml" }).Build());
        Assert.Contains("OAUTH2_EVENTS_SINK_REDIS_FORMAT", invalid, StringComparison.Ordinal);
    }
}

/// <summary>The real server with its Redis sink in CloudEvents format: live events, then a replay of them.</summary>
public sealed class RedisCloudEventsServerTests
{
    [SkippableFact]
    public Task A_replayed_event_must_keep_its_CloudEvents_id_and_source() => RedisBroker.WithStream("ce-replay", async (url, stream, database) =>
    {
        var settings = RedisBroker.Settings("redis,in_memory", url, stream);
        settings["OAUTH2_EVENTS_SINK_REDIS_FORMAT"] = "cloudevents";
        settings["OAUTH2_ISSUER"] = "https://replay.cloudevents.test";
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using var host = await TestHost.Start(settings);
        var run = "ce-" + Guid.NewGuid().ToString("N")[..8];
        await BrokerFlows.Drive(host, run);
        await host.WaitForSinkCaughtUp("redis");
        var live = await RedisBroker.ReadAll(database, stream);
        Assert.NotEmpty(live);

        var replay = await host.ReplaySink("redis", JsonValue.Create(from.ToString("O")), JsonValue.Create(DateTimeOffset.UtcNow.AddSeconds(1).ToString("O")));
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var all = await RedisBroker.WaitFor(database, stream, e => e.Count >= live.Count * 2, TimeSpan.FromSeconds(30), "every event again");

        var source = new Uri("https://replay.cloudevents.test");
        foreach (var entry in live)
        {
            var first = CloudEventChecks.FromStructured((byte[])entry["cloudevent"]!);
            Assert.Equal(source, first.Source);
            var again = all.Skip(live.Count).Select(e => CloudEventChecks.FromStructured((byte[])e["cloudevent"]!)).Where(e => e.Id == first.Id).ToList();
            var replayed = Assert.Single(again);
            Assert.Equal(source, replayed.Source);
            Assert.Equal(first.Type, replayed.Type);
            Assert.Equal(first.Time, replayed.Time);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(entry.Field("cloudevent")), JsonNode.Parse(all.Skip(live.Count).Single(e => e.Field("id") == first.Id).Field("cloudevent"))), "the replayed CloudEvent differs from the live one");
        }
    });
}
