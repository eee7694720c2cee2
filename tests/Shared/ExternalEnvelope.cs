using System.Text.Json.Nodes;

namespace OAuth2.Actors.Testing;

/// <summary>An envelope in the seed's shape as an external producer posts it to /events/ingest.</summary>
public static class ExternalEnvelope
{
    /// <summary>A valid envelope; <paramref name="change"/> edits it before it is returned.</summary>
    public static JsonObject Create(string? eventId = null, string? clientId = null, Action<JsonObject>? change = null)
    {
        var envelope = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["id"] = eventId ?? "ext-" + Guid.NewGuid().ToString("N"),
                ["event_type"] = "user_authenticated",
                ["timestamp"] = "2024-01-15T10:30:00.123Z",
                ["severity"] = "info",
                ["user_id"] = "user-42",
                ["client_id"] = clientId ?? "ext-client-" + Guid.NewGuid().ToString("N"),
                ["metadata"] = new JsonObject { ["method"] = "password", ["ip"] = "203.0.113.7" },
                ["error"] = null,
            },
            ["idempotency_key"] = null,
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["tracestate"] = "vendor=value",
            ["correlation_id"] = "ext-correlation",
            ["producer"] = "billing-service",
            ["produced_at"] = "2024-01-15T10:30:00.456Z",
            ["attributes"] = new JsonObject { ["source"] = "external", ["region"] = "eu" },
        };
        change?.Invoke(envelope);
        return envelope;
    }
}
