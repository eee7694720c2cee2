using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The real server configured with OAUTH2_EVENTS_BACKEND=redis: real OAuth2 flows through Duende.IdentityModel, and
/// the events read back from the stream with an independent StackExchange.Redis connection (XRANGE).
/// </summary>
public sealed class RedisServerEndToEndTests
{
    [SkippableFact]
    public Task Redis_sink_must_append_every_flow_event_to_the_stream_with_the_envelope_fields() => RedisBroker.WithStream("e2e", async (url, stream, database) =>
    {
        var settings = RedisBroker.Settings("redis,in_memory", url, stream);
        settings["OAUTH2_EVENTS_PRODUCER"] = "oauth2-redis-e2e";
        await using var host = await TestHost.Start(settings);

        var run = "redis-" + Guid.NewGuid().ToString("N")[..8];
        var client = await BrokerFlows.Drive(host, run);
        var expected = BrokerFlows.Expected(run);
        var entries = await RedisBroker.WaitFor(
            database,
            stream,
            e => expected.All(x => e.HasAll(x.Type, [x.Correlation])),
            TimeSpan.FromSeconds(20),
            "every flow event");

        // Every entry against the envelope the server holds in its in-memory sink (the same event, byte for byte as JSON).
        var written = entries.Select(e => e.Payload().Id()!).ToHashSet(StringComparer.Ordinal);
        var stored = (await host.StoredEventsWhen(s => written.IsSubsetOf(s.Select(e => e.Id()!)), "every event on the stream")).ToDictionary(e => e.Id()!);
        foreach (var entry in entries)
        {
            var payload = entry.Payload();
            var id = payload.Id()!;
            Assert.Equal(id, entry.Field("event_id"));
            Assert.Equal(payload.Type(), entry.Field("event_type"));
            var idempotencyKey = payload.GetProperty("idempotency_key");
            Assert.Equal(idempotencyKey.ValueKind == JsonValueKind.Null ? id : idempotencyKey.GetString(), entry.Field("idempotency_key"));
            Assert.Equal(payload.CorrelationId(), entry.Field("correlation_id"));
            Assert.Equal("oauth2-redis-e2e", entry.Field("producer"));
            Assert.Equal(payload.GetProperty("producer").GetString(), entry.Field("producer"));
            Assert.True(stored.TryGetValue(id, out var held), $"event {id} is in the stream but not in the server's store");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(held.GetRawText()), JsonNode.Parse(entry.Field("payload"))), $"payload differs from the envelope:\n{entry.Field("payload")}\n{held.GetRawText()}");
            Assert.Equal(["event_type", "event_id", "idempotency_key", "correlation_id", "producer", "payload"], entry.Values.Select(v => v.Name.ToString()));
        }

        // The trace context of the token request travels in the payload.
        var created = entries.Single(e => e["correlation_id"] == $"{run}-token" && e["event_type"] == "token_created").Payload();
        Assert.StartsWith($"00-{BrokerFlows.TraceId}-", created.Traceparent(), StringComparison.Ordinal);
        Assert.Equal(client.ClientId, created.ClientId());

        var sink = await host.WaitForSink("redis", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("delivered").GetInt64() >= expected.Length, TimeSpan.FromSeconds(10), "healthy with every event delivered");
        Assert.Equal(0, sink.GetProperty("failed").GetInt64());
        Assert.Equal(0, sink.GetProperty("dropped").GetInt64());
        var (status, ready) = await host.Ready();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty("redis").GetString());
    });

    [SkippableFact]
    public Task Redis_sink_must_trim_the_stream_to_about_MAXLEN() => RedisBroker.WithStream("maxlen", async (url, stream, database) =>
    {
        await using var plugin = new RedisEventPlugin(new RedisEventSinkOptions { Url = url, Stream = stream, MaxLength = 100 });
        for (var round = 0; round < 10; round++)
        {
            var batch = Enumerable.Range(0, 500).Select(_ => TestEnvelopes.Create(EventType.TokenValidated)).ToArray();
            await plugin.EmitBatchAsync(batch, CancellationToken.None);
        }

        // MAXLEN ~ trims whole macro nodes (100 entries each by default): about 100, never the 5,000 written.
        var length = await database.StreamLengthAsync(stream);
        Assert.InRange(length, 100, 300);
        var info = await database.ExecuteAsync("XINFO", "STREAM", stream);
        var fields = (RedisResult[])info!;
        var added = (long)fields[Array.FindIndex(fields, f => f.ToString() == "entries-added") + 1];
        Assert.Equal(5000, added);
    });

    [SkippableFact]
    public Task Redis_plugin_must_pipeline_a_batch_in_order_with_the_effective_idempotency_key() => RedisBroker.WithStream("batch", async (url, stream, database) =>
    {
        await using var plugin = new RedisEventPlugin(new RedisEventSinkOptions { Url = url, Stream = stream });
        await Eventually.Until(() => plugin.HealthCheckAsync(CancellationToken.None), "the plugin to connect to " + url, TimeSpan.FromSeconds(10));
        var batch = Enumerable.Range(0, 1000)
            .Select(i => TestEnvelopes.Create(EventType.ClientRegistered, correlationId: $"c{i}", idempotencyKey: i % 2 == 0 ? $"key-{i}" : null))
            .ToArray();
        await plugin.EmitBatchAsync(batch, CancellationToken.None);

        var entries = await RedisBroker.ReadAll(database, stream);
        Assert.Equal(batch.Length, entries.Count);
        for (var i = 0; i < batch.Length; i++)
        {
            Assert.Equal(batch[i].Event.Id, entries[i].Field("event_id"));
            Assert.Equal(i % 2 == 0 ? $"key-{i}" : batch[i].Event.Id, entries[i].Field("idempotency_key"));
            Assert.Equal($"c{i}", entries[i].Field("correlation_id"));
            Assert.Equal("client_registered", entries[i].Field("event_type"));
            Assert.Equal(EventJson.Serialize(batch[i]), entries[i].Field("payload"));
        }
    });
}
