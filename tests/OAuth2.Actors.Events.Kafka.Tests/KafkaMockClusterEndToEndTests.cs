namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>
/// The real server, configured with OAUTH2_EVENTS_BACKEND=kafka, against librdkafka's mock cluster (the modern
/// protocol: idempotent producer, record headers), read back by an independent consumer.
/// </summary>
public sealed class KafkaMockClusterEndToEndTests
{
    [Fact]
    public async Task Kafka_sink_must_publish_every_event_of_real_flows_with_key_value_and_headers()
    {
        var (brokers, topic) = KafkaBrokers.MockTopic("oauth2-events-e2e");
        await using var host = await TestHost.Start(KafkaFlows.Settings(brokers, topic));

        await BrokerFlows.Drive(host, "kafka-e2e");
        var ingestKey = "ingest-" + Guid.NewGuid().ToString("N");
        var ingestedId = await KafkaFlows.Ingest(host, ingestKey);

        var stored = await BrokerFlows.StoredAfterDrive(host, "kafka-e2e", s => s.Any(e => KafkaEventAssert.EventId(e) == ingestedId));
        var ids = stored.Select(KafkaEventAssert.EventId).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(ingestedId, ids);
        foreach (var type in new[] { "client_registered", "client_validated", "token_created", "token_validated", "token_revoked", "user_authenticated" })
        {
            Assert.Contains(stored, e => e.GetProperty("event").GetProperty("event_type").GetString() == type);
        }

        var records = await KafkaTopicReader.ReadUntil(
            brokers, topic, legacyBroker: false, r => ids.IsSubsetOf(r.Select(KafkaEventAssert.EventIdOf)), TimeSpan.FromSeconds(60), $"all {ids.Count} stored events");

        KafkaEventAssert.AllDelivered(stored, records, headers: true);

        // The traced token request: its token_created carries the caller's trace id, in the value and the header.
        var created = stored.Single(e => e.GetProperty("correlation_id").GetString() == "kafka-e2e-token" && e.GetProperty("event").GetProperty("event_type").GetString() == "token_created");
        var createdRecord = records.First(r => KafkaEventAssert.EventIdOf(r) == KafkaEventAssert.EventId(created));
        Assert.Equal("kafka-e2e-token", createdRecord.Headers["correlation_id"]);
        Assert.StartsWith($"00-{BrokerFlows.TraceId}-", createdRecord.Headers["traceparent"], StringComparison.Ordinal);
        Assert.Equal("token_created", createdRecord.Headers["event_type"]);
        Assert.Equal(KafkaEventAssert.EventId(created), createdRecord.Key);

        // The ingested envelope is keyed by the producer's Idempotency-Key, not its event id.
        var ingested = records.First(r => KafkaEventAssert.EventIdOf(r) == ingestedId);
        Assert.Equal(ingestKey, ingested.Key);
        Assert.Equal("user_authenticated", ingested.Headers["event_type"]);

        // Every record once: the idempotent producer does not duplicate.
        Assert.Equal(records.Count, records.Select(KafkaEventAssert.EventIdOf).Distinct(StringComparer.Ordinal).Count());

        var sink = await host.WaitForSink("kafka", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("delivered").GetInt64() >= ids.Count, TimeSpan.FromSeconds(30), "healthy with every event delivered");
        Assert.Equal(0, sink.GetProperty("failed").GetInt64());
        Assert.Equal(0, sink.GetProperty("dropped").GetInt64());
        var counters = sink.GetProperty("counters");
        Assert.True(counters.GetProperty("delivery_reports_ok").GetInt64() >= ids.Count, sink.ToString());
        Assert.Equal(0, counters.GetProperty("delivery_reports_failed").GetInt64());
        Assert.Equal(0, counters.GetProperty("rejected").GetInt64());

        Assert.DoesNotContain(host.Logs.Warnings, w => w.Contains("older than 0.11", StringComparison.Ordinal));

        var (status, ready) = await host.Ready();
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty("kafka").GetString());
    }
}
