using System.Text.Json.Nodes;
using RabbitMQ.Client;

namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>
/// The real server configured with OAUTH2_EVENTS_BACKEND=rabbit: real OAuth2 flows through Duende.IdentityModel, and
/// the messages read back from a queue bound to the exchange over an independent connection.
/// </summary>
public sealed class RabbitMqServerEndToEndTests
{
    [SkippableFact]
    public async Task RabbitMq_sink_must_publish_every_flow_event_as_a_persistent_json_message()
    {
        var url = RabbitBroker.Broker.Url();
        var exchange = RabbitBroker.Unique("e2e");
        var queue = exchange + ".all";
        try
        {
            await using var connection = await RabbitBroker.Connect(url);
            await using var channel = await connection.CreateChannelAsync();
            await RabbitBroker.DeclareBoundQueue(channel, exchange, queue, "auth.#");

            var settings = RabbitBroker.Settings("rabbit,in_memory", url, exchange);
            settings["OAUTH2_EVENTS_PRODUCER"] = "oauth2-rabbit-e2e";
            await using var host = await TestHost.Start(settings);

            var run = "rabbit-" + Guid.NewGuid().ToString("N")[..8];
            await BrokerFlows.Drive(host, run);
            var expected = BrokerFlows.Expected(run);
            var messages = await RabbitBroker.TakeUntil(
                channel,
                queue,
                taken => expected.All(x => taken.Any(m => m.CorrelationId == x.Correlation && m.Header("event_type") == x.Type)),
                TimeSpan.FromSeconds(20),
                "every flow event");

            var published = messages.Select(m => m.Payload.Id()!).ToHashSet(StringComparer.Ordinal);
            var stored = (await host.StoredEventsWhen(s => published.IsSubsetOf(s.Select(e => e.Id()!)), "every event RabbitMQ received"))
                .ToDictionary(e => e.Id()!);
            foreach (var message in messages)
            {
                var payload = message.Payload;
                var id = payload.Id()!;
                var type = payload.Type()!;
                Assert.Equal(exchange, message.Exchange);
                Assert.Equal("auth." + type, message.RoutingKey);
                Assert.Equal(id, message.MessageId);
                Assert.Equal(payload.GetProperty("correlation_id").GetString(), message.CorrelationId);
                Assert.Equal("application/json", message.Properties.ContentType);
                Assert.Equal(DeliveryModes.Persistent, message.Properties.DeliveryMode);
                Assert.Equal(type, message.Header("event_type"));
                var idempotencyKey = payload.GetProperty("idempotency_key");
                Assert.Equal(idempotencyKey.ValueKind == JsonValueKind.Null ? id : idempotencyKey.GetString(), message.Header("idempotency_key"));
                Assert.Equal(payload.GetProperty("traceparent").GetString(), message.Header("traceparent"));
                Assert.Equal("oauth2-rabbit-e2e", payload.GetProperty("producer").GetString());
                Assert.True(stored.TryGetValue(id, out var held), $"message {id} was published but is not in the server's store");
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(held.GetRawText()), JsonNode.Parse(message.Text)), $"body differs from the envelope:\n{message.Text}\n{held.GetRawText()}");
            }

            var created = messages.Single(m => m.CorrelationId == $"{run}-token" && m.Header("event_type") == "token_created");
            Assert.StartsWith($"00-{BrokerFlows.TraceId}-", created.Header("traceparent"), StringComparison.Ordinal);

            var sink = await host.WaitForSink("rabbit", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("delivered").GetInt64() >= expected.Length, TimeSpan.FromSeconds(10), "healthy with every event delivered");
            Assert.Equal(0, sink.GetProperty("failed").GetInt64());
            Assert.Equal(0, sink.GetProperty("dropped").GetInt64());
            Assert.True(sink.GetProperty("counters").GetProperty("confirmed").GetInt64() >= expected.Length, sink.ToString());
            Assert.Equal(0, sink.GetProperty("counters").GetProperty("unroutable").GetInt64());
            var (status, ready) = await host.Ready();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty("rabbit").GetString());
        }
        finally
        {
            await RabbitBroker.TryDelete(url, exchange, queue);
        }
    }

    [SkippableFact]
    public async Task RabbitMq_plugin_must_substitute_the_event_type_in_the_routing_key_and_confirm_a_batch()
    {
        var url = RabbitBroker.Broker.Url();
        var exchange = RabbitBroker.Unique("routing");
        var revoked = exchange + ".revoked";
        var everything = exchange + ".all";
        try
        {
            await using var connection = await RabbitBroker.Connect(url);
            await using var channel = await connection.CreateChannelAsync();
            await RabbitBroker.DeclareBoundQueue(channel, exchange, revoked, "oauth2.token_revoked.v1");
            await RabbitBroker.DeclareBoundQueue(channel, exchange, everything, "oauth2.*.v1");

            await using var plugin = new RabbitMqEventPlugin(new RabbitMqEventSinkOptions { Url = url, Exchange = exchange, RoutingKey = "oauth2.{event_type}.v1" });
            var batch = Enumerable.Range(0, 300)
                .Select(i => TestEnvelopes.Create(i % 3 == 0 ? EventType.TokenRevoked : EventType.TokenCreated, correlationId: $"c{i}", idempotencyKey: i % 2 == 0 ? $"key-{i}" : null))
                .ToArray();
            await plugin.EmitBatchAsync(batch, CancellationToken.None);
            Assert.Equal(batch.Length, plugin.Published);
            Assert.Equal(0, plugin.Unroutable);

            var all = await RabbitBroker.TakeUntil(channel, everything, t => t.Count >= batch.Length, TimeSpan.FromSeconds(10), "the whole batch");
            Assert.Equal(batch.Select(e => e.Event.Id), all.Select(m => m.MessageId)); // in order
            for (var i = 0; i < batch.Length; i++)
            {
                Assert.Equal(i % 2 == 0 ? $"key-{i}" : batch[i].Event.Id, all[i].Header("idempotency_key"));
                Assert.Equal(EventJson.Serialize(batch[i]), all[i].Text);
            }

            var onlyRevoked = await RabbitBroker.TakeUntil(channel, revoked, t => t.Count >= 100, TimeSpan.FromSeconds(10), "the token_revoked messages");
            Assert.All(onlyRevoked, m => Assert.Equal("oauth2.token_revoked.v1", m.RoutingKey));
            Assert.Equal(0u, await channel.MessageCountAsync(revoked));
        }
        finally
        {
            await RabbitBroker.TryDelete(url, exchange, revoked, everything);
        }
    }

    [SkippableFact]
    public async Task RabbitMq_plugin_must_count_unroutable_messages_without_failing_or_retrying()
    {
        var url = RabbitBroker.Broker.Url();
        var exchange = RabbitBroker.Unique("unroutable");
        try
        {
            // No queue is bound: every message comes back (mandatory) and is counted, and the batch still completes.
            await using var plugin = new RabbitMqEventPlugin(new RabbitMqEventSinkOptions { Url = url, Exchange = exchange });
            var batch = Enumerable.Range(0, 50).Select(_ => TestEnvelopes.Create(EventType.ClientDeleted)).ToArray();
            await plugin.EmitBatchAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            await Eventually.Until(() => Task.FromResult(plugin.Unroutable), n => n >= batch.Length, "every message returned as unroutable");

            Assert.Equal(batch.Length, plugin.Unroutable);
            Assert.Equal(0, plugin.Published);
            Assert.Equal(batch.Length, plugin.Counters["unroutable"]);
            Assert.Equal(0, plugin.Counters["confirmed"]);
            Assert.True(await plugin.HealthCheckAsync(CancellationToken.None));
        }
        finally
        {
            await RabbitBroker.TryDelete(url, exchange);
        }
    }
}
