namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>The settings of a server with the Kafka sink, and an external producer's envelope sent through it.</summary>
public static class KafkaFlows
{
    public static Dictionary<string, string?> Settings(string brokers, string topic, string? config = null) => new(StringComparer.Ordinal)
    {
        // in_memory beside kafka: the server's own record of what it emitted, to compare Kafka against.
        ["OAUTH2_EVENTS_BACKEND"] = "kafka,in_memory",
        [KafkaSinkOptions.BrokersKey] = brokers,
        [KafkaSinkOptions.TopicKey] = topic,
        [KafkaSinkOptions.ClientIdKey] = "oauth2-kafka-tests",
        [KafkaSinkOptions.ConfigKey] = config,
    };

    /// <summary>An external producer's envelope through POST /events/ingest with an Idempotency-Key header; its event id.</summary>
    public static async Task<string> Ingest(TestHost host, string idempotencyKey)
    {
        var eventId = "ext-" + Guid.NewGuid().ToString("N");
        using var response = await host.Ingest(ExternalEnvelope.Create(eventId, "ext-client").ToJsonString(), await host.AdminToken(), idempotencyKey);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return eventId;
    }
}
