using OAuth2.Actors.Events.CloudEvents;
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
