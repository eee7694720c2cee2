namespace OAuth2.Actors.Server.Tests;

/// <summary>What the /events/ingest suites share: envelopes in the seed's shape and reading the answers.</summary>
public abstract class EventIngestSuite(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    /// <summary>A valid envelope in the seed's shape; <paramref name="change"/> edits it before sending.</summary>
    protected static JsonObject Envelope(string? eventId = null, string? clientId = null, Action<JsonObject>? change = null) =>
        ExternalEnvelope.Create(eventId, clientId, change);

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

    /// <summary>The answer to an ingest is <paramref name="status"/> (accepted, duplicate) under <paramref name="key"/>.</summary>
    protected static async Task AssertAnswer(HttpResponseMessage response, string status, string key)
    {
        var answer = await Answer(response);
        Assert.Equal((status, key), (answer.Status, answer.Key));
    }
}
