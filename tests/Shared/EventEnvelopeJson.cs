using System.Text.Json;

namespace OAuth2.Actors.Testing;

/// <summary>Reading envelopes as returned by GET /events (snake_case JSON).</summary>
public static class EventEnvelopeJson
{
    public static JsonElement Event(this JsonElement envelope) => envelope.GetProperty("event");

    public static string? Type(this JsonElement envelope) => envelope.Event().GetProperty("event_type").GetString();

    public static string? Id(this JsonElement envelope) => envelope.Event().GetProperty("id").GetString();

    public static string? ClientId(this JsonElement envelope) => envelope.Event().GetProperty("client_id").GetString();

    public static string? Severity(this JsonElement envelope) => envelope.Event().GetProperty("severity").GetString();

    public static string? Error(this JsonElement envelope) => envelope.Event().GetProperty("error").GetString();

    public static DateTimeOffset Timestamp(this JsonElement envelope) => envelope.Event().GetProperty("timestamp").GetDateTimeOffset();

    public static string? Metadata(this JsonElement envelope, string key) =>
        envelope.Event().GetProperty("metadata").TryGetProperty(key, out var value) ? value.GetString() : null;

    public static string? CorrelationId(this JsonElement envelope) => envelope.GetProperty("correlation_id").GetString();

    public static string? Traceparent(this JsonElement envelope) => envelope.GetProperty("traceparent").GetString();

    public static string? IdempotencyKey(this JsonElement envelope) => envelope.GetProperty("idempotency_key").GetString();

    public static string? Attribute(this JsonElement envelope, string key) =>
        envelope.GetProperty("attributes").TryGetProperty(key, out var value) ? value.GetString() : null;
}
