namespace OAuth2.Actors.Server.Tests;

/// <summary>What the /events/ingest suites share: envelopes in the seed's shape and reading the answers.</summary>
public abstract class EventIngestSuite(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{

    /// <summary>A valid envelope in the seed's shape; <paramref name="change"/> edits it before sending.</summary>
    protected static JsonObject Envelope(string? eventId = null, string? clientId = null, Action<JsonObject>? change = null)
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

    protected static JsonObject Event(JsonObject envelope) => envelope["event"]!.AsObject();

    protected async Task<HttpResponseMessage> IngestAsAdmin(JsonObject envelope, string? idempotencyKey = null) =>
        await Host.Ingest(envelope.ToJsonString(), await Host.AdminToken(), idempotencyKey);

    protected static async Task<(string Status, string Key, string EventId)> Answer(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("status").GetString()!, json.RootElement.GetProperty("idempotency_key").GetString()!, json.RootElement.GetProperty("event_id").GetString()!);
    }
}
