using System.Text.Json.Nodes;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>Checks a Kafka record against the envelope the server holds in its in-memory store.</summary>
public static class KafkaEventAssert
{
    public static string EventId(JsonElement envelope) => envelope.GetProperty("event").GetProperty("id").GetString()!;

    public static string EventIdOf(KafkaRecord record)
    {
        using var document = JsonDocument.Parse(record.Value);
        return document.RootElement.GetProperty("event").GetProperty("id").GetString()!;
    }

    /// <summary>Every stored envelope has a record with the same JSON, keyed by its effective idempotency key, with (or without) the headers.</summary>
    public static void AllDelivered(IReadOnlyList<JsonElement> stored, IReadOnlyList<KafkaRecord> records, bool headers)
    {
        var byId = records.GroupBy(EventIdOf).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var envelope in stored)
        {
            var id = EventId(envelope);
            Assert.True(byId.TryGetValue(id, out var record), $"event {id} ({envelope.GetProperty("event").GetProperty("event_type").GetString()}) is not in Kafka");
            Matches(envelope, record!, headers);
        }
    }

    public static void Matches(JsonElement envelope, KafkaRecord record, bool headers)
    {
        var id = EventId(envelope);
        var idempotencyKey = envelope.GetProperty("idempotency_key") is { ValueKind: JsonValueKind.String } key ? key.GetString()! : id;
        Assert.Equal(idempotencyKey, record.Key);
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(envelope.GetRawText()), JsonNode.Parse(record.Value)),
            $"event {id}: the Kafka value differs from the envelope\n stored: {envelope.GetRawText()}\n kafka:  {record.Value}");
        if (!headers)
        {
            Assert.Empty(record.Headers);
            return;
        }

        Assert.Equal(envelope.GetProperty("event").GetProperty("event_type").GetString(), record.Headers.GetValueOrDefault("event_type"));
        Assert.Equal(Text(envelope, "correlation_id"), record.Headers.GetValueOrDefault("correlation_id"));
        Assert.Equal(Text(envelope, "traceparent"), record.Headers.GetValueOrDefault("traceparent"));
    }

    private static string? Text(JsonElement envelope, string property) =>
        envelope.GetProperty(property) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
