using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>
/// Reading the event pipeline: GET /events (the in-memory store), POST /events/ingest, /events/health and /ready.
/// Events are published asynchronously: a test reads them through the Wait* methods, which wait with a deadline
/// (<see cref="Eventually"/>); <see cref="Events"/> alone is for what is already known to have arrived.
/// </summary>
public sealed partial class TestHost
{
    public async Task<HttpResponseMessage> GetEvents(string query, string? bearer) =>
        await Send(HttpMethod.Get, "/events" + (query.Length > 0 ? "?" + query : string.Empty), bearer);

    /// <summary>GET /events as the admin; the raw body.</summary>
    public async Task<string> EventsJson(string query = "limit=1000")
    {
        using var response = await GetEvents(query, await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events?{query} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>GET /events as the admin: the envelopes as the server holds them now, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> Events(string query = "limit=1000")
    {
        using var document = JsonDocument.Parse(await EventsJson(query));
        var events = document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToArray();
        Assert.Equal(events.Length, document.RootElement.GetProperty("count").GetInt32());
        return events;
    }

    /// <summary>The name the broker suites use for <see cref="Events"/>.</summary>
    public Task<IReadOnlyList<JsonElement>> StoredEvents(string query = "limit=1000") => Events(query);

    /// <summary>Waits until the envelopes of GET /events?<paramref name="query"/> (all of them) satisfy <paramref name="done"/>.</summary>
    public Task<IReadOnlyList<JsonElement>> StoredEventsWhen(Func<IReadOnlyList<JsonElement>, bool> done, string what, string query = "limit=1000", TimeSpan? within = null) =>
        Eventually.Until(() => Events(query), done, "the in-memory store to hold " + what, within);

    /// <summary>Waits until GET /events?<paramref name="query"/> holds at least <paramref name="count"/> envelopes that match.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForEvents(string query, Func<JsonElement, bool> match, int count = 1, TimeSpan? within = null) =>
        await Eventually.Until(
            async () => (IReadOnlyList<JsonElement>)(await Events(query)).Where(match).ToArray(),
            found => found.Count >= count,
            $"{count} matching event(s) from GET /events?{query}",
            within);

    /// <summary>Waits for <paramref name="count"/> events of <paramref name="type"/> whose body matches; returns the bodies.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForEventsOfType(string type, Func<JsonElement, bool> match, int count = 1) =>
        (await WaitForEvents($"event_type={type}&limit=1000", e => match(e.Event()), count)).Select(e => e.Event()).ToArray();

    /// <summary>The single envelope of <paramref name="type"/> that carries <paramref name="correlationId"/>.</summary>
    public async Task<JsonElement> WaitForEvent(string type, string correlationId, string? clientId = null)
    {
        var query = $"event_type={type}&limit=1000" + (clientId is null ? string.Empty : "&client_id=" + Uri.EscapeDataString(clientId));
        return Assert.Single(await WaitForEvents(query, e => e.CorrelationId() == correlationId));
    }

    /// <summary>
    /// Sends a marker event of <paramref name="type"/> through the pipeline and waits until it is stored: every event
    /// emitted before it has then been through the pipeline too, so a test can assert that something was not stored.
    /// </summary>
    public async Task SettleEvents(string type = "token_created")
    {
        var marker = "settle-" + Guid.NewGuid().ToString("N");
        var envelope = new JsonObject
        {
            ["event"] = new JsonObject { ["id"] = marker, ["event_type"] = type, ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"), ["client_id"] = marker },
        };
        using (var response = await Ingest(envelope.ToJsonString(), await AdminToken()))
        {
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"The marker event was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await WaitForEvents($"client_id={marker}", _ => true);
    }

    public async Task<HttpResponseMessage> Ingest(string body, string? bearer, string? idempotencyKey = null, string? contentType = "application/json")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return await Send(HttpMethod.Post, "/events/ingest", bearer, content, idempotencyKey is null ? [] : [("Idempotency-Key", idempotencyKey)]);
    }

    /// <summary>GET /events/health as the admin (the details: sinks and counters): the body.</summary>
    public async Task<JsonElement> EventsHealth()
    {
        using var response = await Send(HttpMethod.Get, "/events/health", await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/events/health answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The plugin named <paramref name="name"/> in /events/health, or null.</summary>
    public async Task<JsonElement?> SinkHealth(string name) =>
        (await EventsHealth()).GetProperty("plugins").EnumerateArray().Where(p => p.GetProperty("name").GetString() == name).Select(p => (JsonElement?)p).FirstOrDefault();

    /// <summary>Waits until /events/health answers something that satisfies <paramref name="condition"/>.</summary>
    public Task<JsonElement> WaitForHealth(Func<JsonElement, bool> condition, string what, TimeSpan? within = null) =>
        Eventually.Until(EventsHealth, condition, "/events/health: " + what, within);

    /// <summary>Waits until the sink named <paramref name="name"/> in /events/health satisfies <paramref name="condition"/>.</summary>
    public async Task<JsonElement> WaitForSink(string name, Func<JsonElement, bool> condition, TimeSpan within, string what) =>
        (await Eventually.Until(() => SinkHealth(name), sink => sink is { } s && condition(s), $"sink {name} {what}", within)).GetValueOrDefault();

    /// <summary>GET /ready as the admin (with the checks): status and body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> Ready() => await GetJson("/ready", await AdminToken());

    /// <summary>GET <paramref name="path"/> (with <paramref name="bearer"/>, if given): the status and the JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetJson(string path, string? bearer = null)
    {
        using var response = await Send(HttpMethod.Get, path, bearer);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }
}
