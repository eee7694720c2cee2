namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>
/// The real 0.9.0.1 broker goes away while tokens are issued: requests do not notice, the sink holds the events in
/// its bounded queue and reports unhealthy (readiness says degraded but stays 200), and when the broker is back
/// every held event arrives.
/// </summary>
public sealed class KafkaOutageTests
{
    private const int OutageRequests = 60;

    [SkippableFact]
    public async Task Kafka_sink_must_hold_events_through_a_broker_outage_and_deliver_them_all_when_it_returns()
    {
        var (brokers, topic) = KafkaBrokers.RealTopic("oauth2-events-outage");
        var control = KafkaBrokers.Control();
        await using var host = await TestHost.Start(KafkaFlows.Settings(brokers, topic, KafkaBrokers.LegacyConfig));

        var client = await host.Register(correlationId: "outage-before");
        await host.AccessToken(client, correlationId: "outage-before");
        await host.WaitForSink("kafka", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("delivered").GetInt64() >= 3, TimeSpan.FromSeconds(60), "healthy and delivering before the outage");

        var brokerStopped = false;
        try
        {
            await control.Run("stop-broker");
            brokerStopped = true;

            // Requests during the outage: every one succeeds, and quickly (no request waits for Kafka).
            await OutageChecks.AssertTokenRequestsStayFast(host, client, OutageRequests, TimeSpan.FromSeconds(3));
            var ready = await OutageChecks.AssertDegraded(host, "kafka");
            Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty("in_memory").GetString());

            await control.Run("start-broker");
            brokerStopped = false;
        }
        finally
        {
            if (brokerStopped)
            {
                // Leave the broker running for whatever runs next, whatever failed here.
                await control.Run("start-broker");
            }
        }

        // Every event the server emitted (its in-memory store holds them all) arrives, the outage's included.
        static List<JsonElement> Outage(IReadOnlyList<JsonElement> stored) =>
            stored.Where(e => e.CorrelationId()?.StartsWith("outage-", StringComparison.Ordinal) == true && e.CorrelationId() != "outage-before").ToList();
        var stored = await host.StoredEventsWhen(s => Outage(s).Count >= OutageRequests * 2, "client_validated and token_created of every outage request");
        var outage = Outage(stored);
        Assert.True(outage.Count >= OutageRequests * 2, $"expected client_validated and token_created for each of the {OutageRequests} outage requests; stored {outage.Count}");
        var ids = stored.Select(KafkaEventAssert.EventId).ToHashSet(StringComparer.Ordinal);

        var records = await KafkaTopicReader.ReadUntil(
            brokers, topic, legacyBroker: true, r => ids.IsSubsetOf(r.Select(KafkaEventAssert.EventIdOf)), TimeSpan.FromSeconds(90), $"all {ids.Count} events, {outage.Count} of them from the outage");
        KafkaEventAssert.AllDelivered(stored, records, headers: false);

        await OutageChecks.AssertRecovered(host, "kafka", TimeSpan.FromSeconds(60));
    }
}
