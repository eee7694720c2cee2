using System.Text.Json;
using System.Text.Json.Nodes;
using OAuth2.Actors.Events.Tests.Support;
using StackExchange.Redis;
using Xunit;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The real server configured with OAUTH2_EVENTS_BACKEND=redis: real OAuth2 flows through Duende.IdentityModel, and
/// the events read back from the stream with an independent StackExchange.Redis connection (XRANGE).
/// </summary>
public sealed class RedisServerEndToEndTests
{
    [SkippableFact]
    public async Task Redis_sink_must_append_every_flow_event_to_the_stream_with_the_envelope_fields()
    {
        var url = RedisBroker.Url();
        var stream = RedisBroker.UniqueStream("e2e");
        await using var redis = await RedisBroker.Connect(url);
        var database = redis.GetDatabase();
        try
        {
            await using var host = await BrokerServerHost.Start(
                new Dictionary<string, string?>
                {
                    ["OAUTH2_EVENTS_BACKEND"] = "redis,in_memory",
                    ["OAUTH2_EVENTS_REDIS_URL"] = url,
                    ["OAUTH2_EVENTS_REDIS_STREAM"] = stream,
                    ["OAUTH2_EVENTS_PRODUCER"] = "oauth2-redis-e2e",
                });

            var run = Guid.NewGuid().ToString("N")[..8];
            var client = await host.Register(correlationId: $"register-{run}");
            var token = await host.AccessToken(client, $"token-{run}", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            using (var introspection = await host.Introspect(token, $"introspect-{run}"))
            {
                Assert.True(introspection.IsActive, introspection.Raw);
            }

            using (var revocation = await host.Revoke(token, client, $"revoke-{run}"))
            {
                Assert.False(revocation.IsError, revocation.Raw);
            }

            using (var afterRevocation = await host.Introspect(token, $"after-revoke-{run}"))
            {
                Assert.False(afterRevocation.IsActive);
            }

            var expected = new (string Correlation, string Type)[]
            {
                ($"register-{run}", "client_registered"),
                ($"token-{run}", "client_validated"),
                ($"token-{run}", "token_created"),
                ($"introspect-{run}", "client_validated"),
                ($"introspect-{run}", "token_validated"),
                ($"revoke-{run}", "client_validated"),
                ($"revoke-{run}", "token_revoked"),
                ($"after-revoke-{run}", "token_validated"),
            };
            var entries = await RedisBroker.WaitFor(
                database,
                stream,
                e => expected.All(x => e.Any(entry => entry["correlation_id"] == x.Correlation && entry["event_type"] == x.Type)),
                TimeSpan.FromSeconds(20),
                "every flow event");

            // Every entry against the envelope the server holds in its in-memory sink (the same event, byte for byte as JSON).
            var written = entries.Select(e => e.Payload().GetProperty("event").GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
            var stored = (await host.StoredEventsWhen(s => written.IsSubsetOf(s.Select(e => e.GetProperty("event").GetProperty("id").GetString()!)), "every event on the stream"))
                .ToDictionary(e => e.GetProperty("event").GetProperty("id").GetString()!);
            foreach (var entry in entries)
            {
                var payload = entry.Payload();
                var envelope = payload.GetProperty("event");
                var id = envelope.GetProperty("id").GetString()!;
                Assert.Equal(id, entry.Field("event_id"));
                Assert.Equal(envelope.GetProperty("event_type").GetString(), entry.Field("event_type"));
                var idempotencyKey = payload.GetProperty("idempotency_key");
                Assert.Equal(idempotencyKey.ValueKind == JsonValueKind.Null ? id : idempotencyKey.GetString(), entry.Field("idempotency_key"));
                Assert.Equal(payload.GetProperty("correlation_id").GetString(), entry.Field("correlation_id"));
                Assert.Equal("oauth2-redis-e2e", entry.Field("producer"));
                Assert.Equal(payload.GetProperty("producer").GetString(), entry.Field("producer"));
                Assert.True(stored.TryGetValue(id, out var held), $"event {id} is in the stream but not in the server's store");
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(held.GetRawText()), JsonNode.Parse(entry.Field("payload"))), $"payload differs from the envelope:\n{entry.Field("payload")}\n{held.GetRawText()}");
                Assert.Equal(["event_type", "event_id", "idempotency_key", "correlation_id", "producer", "payload"], entry.Values.Select(v => v.Name.ToString()));
            }

            // The trace context of the token request travels in the payload.
            var created = entries.Single(e => e["correlation_id"] == $"token-{run}" && e["event_type"] == "token_created").Payload();
            Assert.StartsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-", created.GetProperty("traceparent").GetString(), StringComparison.Ordinal);
            Assert.Equal(client.ClientId, created.GetProperty("event").GetProperty("client_id").GetString());

            var sink = await host.WaitForSink("redis", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("delivered").GetInt64() >= expected.Length, TimeSpan.FromSeconds(10), "healthy with every event delivered");
            Assert.Equal(0, sink.GetProperty("failed").GetInt64());
            Assert.Equal(0, sink.GetProperty("dropped").GetInt64());
            var (status, ready) = await host.Ready();
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty("redis").GetString());
        }
        finally
        {
            await RedisBroker.TryDelete(database, stream);
        }
    }

    [SkippableFact]
    public async Task Redis_sink_must_trim_the_stream_to_about_MAXLEN()
    {
        var url = RedisBroker.Url();
        var stream = RedisBroker.UniqueStream("maxlen");
        await using var redis = await RedisBroker.Connect(url);
        var database = redis.GetDatabase();
        try
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
        }
        finally
        {
            await RedisBroker.TryDelete(database, stream);
        }
    }

    [SkippableFact]
    public async Task Redis_plugin_must_pipeline_a_batch_in_order_with_the_effective_idempotency_key()
    {
        var url = RedisBroker.Url();
        var stream = RedisBroker.UniqueStream("batch");
        await using var redis = await RedisBroker.Connect(url);
        var database = redis.GetDatabase();
        try
        {
            await using var plugin = new RedisEventPlugin(new RedisEventSinkOptions { Url = url, Stream = stream });
            Assert.True(await WaitHealthy(plugin), "the plugin did not connect to " + url);
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
        }
        finally
        {
            await RedisBroker.TryDelete(database, stream);
        }
    }

    private static async Task<bool> WaitHealthy(RedisEventPlugin plugin)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await plugin.HealthCheckAsync(CancellationToken.None))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
