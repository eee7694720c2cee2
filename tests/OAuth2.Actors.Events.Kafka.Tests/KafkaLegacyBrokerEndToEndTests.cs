namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>
/// The real server against a real Apache Kafka broker over the network: 0.9.0.1, the only Apache Kafka this machine
/// can run. It predates idempotence and headers, which the sink must handle with a warning, not a failure.
/// </summary>
public sealed class KafkaLegacyBrokerEndToEndTests
{
    [SkippableFact]
    public async Task Kafka_sink_must_publish_to_a_real_0_9_broker_without_headers_and_warn_about_it()
    {
        var (brokers, topic) = KafkaBrokers.RealTopic("oauth2-events-legacy");
        await using var host = await TestHost.Start(KafkaFlows.Settings(brokers, topic, KafkaBrokers.LegacyConfig));

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("older than 0.11", StringComparison.Ordinal));
        Assert.Contains("WITHOUT idempotence", warning, StringComparison.Ordinal);
        Assert.Contains("WITHOUT headers", warning, StringComparison.Ordinal);

        await BrokerFlows.Drive(host, "kafka-legacy");
        var stored = await BrokerFlows.StoredAfterDrive(host, "kafka-legacy");
        var ids = stored.Select(KafkaEventAssert.EventId).ToHashSet(StringComparer.Ordinal);

        var records = await KafkaTopicReader.ReadUntil(
            brokers, topic, legacyBroker: true, r => ids.IsSubsetOf(r.Select(KafkaEventAssert.EventIdOf)), TimeSpan.FromSeconds(60), $"all {ids.Count} stored events");

        // Same key and value as on a modern broker; no headers on a 0.9 broker.
        KafkaEventAssert.AllDelivered(stored, records, headers: false);

        var sink = await host.WaitForSink("kafka", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("delivered").GetInt64() >= ids.Count, TimeSpan.FromSeconds(30), "healthy with every event delivered");
        Assert.Equal(0, sink.GetProperty("dropped").GetInt64());
        Assert.Equal(0, sink.GetProperty("failed").GetInt64());
    }
}
