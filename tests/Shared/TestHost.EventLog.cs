using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>
/// The durable event log through HTTP: GET /events paged with its cursor, GET /events/{id}, and the sink-management API
/// (GET /admin/api/sinks[/{name}], POST .../pause, .../resume, .../replay), all as the admin.
/// </summary>
public sealed partial class TestHost
{
    /// <summary>One page of GET /events?<paramref name="query"/>: its envelopes and its next_cursor (null on the last page).</summary>
    public async Task<(IReadOnlyList<JsonElement> Events, string? NextCursor)> EventsPage(string query, string? bearer = null)
    {
        using var document = JsonDocument.Parse(await PagedEventsJson(query, bearer));
        var root = document.RootElement;
        var events = root.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToArray();
        var next = root.TryGetProperty("next_cursor", out var cursor) && cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : null;
        return (events, next);
    }

    /// <summary>
    /// Every envelope of GET /events?<paramref name="query"/>, following next_cursor page by page until the last one;
    /// <paramref name="pages"/> counts the requests.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> AllEvents(string query, string? bearer = null, Action<int>? pages = null)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        var count = 0;
        do
        {
            var (events, next) = await EventsPage(cursor is null ? query : $"{query}&cursor={Uri.EscapeDataString(cursor)}", bearer);
            count++;
            all.AddRange(events);
            Assert.True(next is null || next != cursor, $"GET /events?{query} answered the same next_cursor twice: {next}");
            cursor = next;
        }
        while (cursor is not null);

        pages?.Invoke(count);
        return all;
    }

    /// <summary>GET /events/{id} as the admin: the status and the body (null when it is not JSON).</summary>
    public async Task<(HttpStatusCode Status, JsonElement? Body)> EventById(string id)
    {
        using var response = await Send(HttpMethod.Get, "/events/" + Uri.EscapeDataString(id), await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        JsonElement? json = null;
        try
        {
            json = body.Length == 0 ? null : JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
        }

        return (response.StatusCode, json);
    }

    // ---- sink management ----------------------------------------------------------------------------------------

    /// <summary>GET /admin/api/sinks: every durable sink's status.</summary>
    public async Task<IReadOnlyList<SinkView>> Sinks()
    {
        var (status, body) = await GetJson("/admin/api/sinks", await AdminToken());
        Assert.True(status == HttpStatusCode.OK, $"GET /admin/api/sinks answered {(int)status}: {body}");
        var list = body.ValueKind == JsonValueKind.Array ? body : body.GetProperty("sinks");
        return list.EnumerateArray().Select(SinkView.From).ToArray();
    }

    /// <summary>GET /admin/api/sinks/{name}.</summary>
    public async Task<SinkView> Sink(string name)
    {
        var (status, body) = await GetJson("/admin/api/sinks/" + Uri.EscapeDataString(name), await AdminToken());
        Assert.True(status == HttpStatusCode.OK, $"GET /admin/api/sinks/{name} answered {(int)status}: {body}");
        return SinkView.From(body);
    }

    public Task<SinkView> PauseSink(string name) => SinkCommand(name, "pause");

    public Task<SinkView> ResumeSink(string name) => SinkCommand(name, "resume");

    /// <summary>POST /admin/api/sinks/{name}/replay with <c>{"from": ..., "to": ...}</c> (each a position number or an RFC 3339 time).</summary>
    public async Task<HttpResponseMessage> ReplaySink(string name, JsonNode from, JsonNode to)
    {
        var body = new JsonObject { ["from"] = from, ["to"] = to };
        return await Send(HttpMethod.Post, $"/admin/api/sinks/{Uri.EscapeDataString(name)}/replay", await AdminToken(), JsonContent.Create(body));
    }

    /// <summary>Waits until the sink's status satisfies <paramref name="condition"/>.</summary>
    public Task<SinkView> WaitForSinkStatus(string name, Func<SinkView, bool> condition, string what, TimeSpan? within = null) =>
        Eventually.Until(() => Sink(name), condition, $"sink {name} {what}", within);

    /// <summary>Waits until the sink's consumer holds its lease and answers with its cursor (not <c>starting</c>).</summary>
    public Task<SinkView> WaitForSinkStarted(string name, TimeSpan? within = null) =>
        WaitForSinkStatus(name, s => s.State != "starting", "to start (claim its lease)", within ?? TimeSpan.FromSeconds(60));

    /// <summary>
    /// Waits until the sink has acknowledged everything appended before this call. A consumer learns of the head from
    /// its node's writer at once and from a poll of the log every few hundred milliseconds: the head it knows is read
    /// twice, a second apart, and the larger is the target.
    /// </summary>
    public async Task<SinkView> WaitForSinkCaughtUp(string name, TimeSpan? within = null)
    {
        var head = (await WaitForSinkStarted(name)).Head;
        await Task.Delay(TimeSpan.FromSeconds(1));
        head = Math.Max(head, (await Sink(name)).Head);
        return await WaitForSinkStatus(name, s => s.Cursor >= head, $"to reach position {head}", within);
    }

    private async Task<SinkView> SinkCommand(string name, string command)
    {
        await WaitForSinkStarted(name);
        using var response = await Send(HttpMethod.Post, $"/admin/api/sinks/{Uri.EscapeDataString(name)}/{command}", await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /admin/api/sinks/{name}/{command} answered {(int)response.StatusCode}: {body}");
        return SinkView.From(JsonDocument.Parse(body).RootElement.Clone());
    }

    private async Task<string> PagedEventsJson(string query, string? bearer)
    {
        using var response = await GetEvents(query, bearer ?? await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events?{query} answered {(int)response.StatusCode}: {body}");
        return body;
    }
}

/// <summary>A sink as GET /admin/api/sinks/{name} shows it (snake_case JSON; the raw body is kept for messages).</summary>
public sealed record SinkView(
    string Name,
    string State,
    long Cursor,
    long Head,
    long LagEvents,
    double LagSeconds,
    long Lost,
    long Delivered,
    long Failed,
    long Skipped,
    long Replayed,
    JsonElement? Replay,
    JsonElement Raw)
{
    public bool Paused => State == "paused";

    public bool ReplayDone => Replay is { ValueKind: JsonValueKind.Object } r && r.GetProperty("done").GetBoolean();

    public long ReplayDelivered => Replay is { ValueKind: JsonValueKind.Object } r ? r.GetProperty("delivered").GetInt64() : 0;

    public static SinkView From(JsonElement json)
    {
        var counters = json.TryGetProperty("counters", out var c) && c.ValueKind == JsonValueKind.Object ? c : json;
        return new SinkView(
            (json.TryGetProperty("sink", out var sink) ? sink : json.GetProperty("name")).GetString()!,
            json.GetProperty("state").GetString()!,
            json.GetProperty("cursor").GetInt64(),
            json.GetProperty("head").GetInt64(),
            json.GetProperty("lag_events").GetInt64(),
            json.GetProperty("lag_seconds").GetDouble(),
            json.GetProperty("lost").GetInt64(),
            counters.GetProperty("delivered").GetInt64(),
            counters.GetProperty("failed").GetInt64(),
            counters.GetProperty("skipped").GetInt64(),
            counters.GetProperty("replayed").GetInt64(),
            json.TryGetProperty("replay", out var replay) && replay.ValueKind == JsonValueKind.Object ? replay.Clone() : null,
            json.Clone());
    }

    public override string ToString() => Raw.GetRawText();
}
