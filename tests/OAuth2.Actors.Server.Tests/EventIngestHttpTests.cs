using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OAuth2.Actors.Server.Tests;

/// <summary>POST /events/ingest: external producers send envelopes into the pipeline.</summary>
public sealed class EventIngestHttpTests(TestHostFixture fixture) : IClassFixture<TestHostFixture>
{
    private TestHost Host => fixture.Host;

    /// <summary>A valid envelope in the seed's shape; <paramref name="change"/> edits it before sending.</summary>
    private static JsonObject Envelope(string? eventId = null, string? clientId = null, Action<JsonObject>? change = null)
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

    private static JsonObject Event(JsonObject envelope) => envelope["event"]!.AsObject();

    private async Task<HttpResponseMessage> IngestAsAdmin(JsonObject envelope, string? idempotencyKey = null) =>
        await Host.Ingest(envelope.ToJsonString(), await Host.AdminToken(), idempotencyKey);

    private static async Task<(string Status, string Key, string EventId)> Answer(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("status").GetString()!, json.RootElement.GetProperty("idempotency_key").GetString()!, json.RootElement.GetProperty("event_id").GetString()!);
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        return json.RootElement.Clone();
    }

    // ---- authorization --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Ingest_must_answer_401_without_a_token()
    {
        using var response = await Host.Ingest(Envelope().ToJsonString(), bearer: null);

        await AssertProblem(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_answer_401_for_a_token_that_is_not_ours()
    {
        using var response = await Host.Ingest(Envelope().ToJsonString(), bearer: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");

        await AssertProblem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Ingest_must_answer_403_for_a_token_without_events_ingest()
    {
        var reader = await Host.Register(scope: "read");
        var token = await Host.AccessToken(reader);

        using var response = await Host.Ingest(Envelope().ToJsonString(), token);

        await AssertProblem(response, HttpStatusCode.Forbidden);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_answer_403_for_a_token_with_only_events_read()
    {
        var reader = await Host.Register(scope: "events:read", bearer: await Host.AdminToken());
        var token = await Host.AccessToken(reader);

        using var response = await Host.Ingest(Envelope().ToJsonString(), token);

        await AssertProblem(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ingest_must_accept_an_envelope_from_a_client_with_events_ingest()
    {
        var producer = await Host.Register(scope: "events:ingest", bearer: await Host.AdminToken());
        var token = await Host.AccessToken(producer);

        using var response = await Host.Ingest(Envelope().ToJsonString(), token);

        Assert.Equal("accepted", (await Answer(response)).Status);
    }

    // ---- accepted, duplicate, and what is stored --------------------------------------------------------------------

    [Fact]
    public async Task Ingest_must_accept_an_envelope_then_answer_duplicate_for_the_same_one()
    {
        var envelope = Envelope();
        var eventId = Event(envelope)["id"]!.GetValue<string>();

        using var first = await IngestAsAdmin(envelope);
        using var second = await IngestAsAdmin(envelope);

        Assert.Equal(("accepted", eventId, eventId), await Answer(first));
        Assert.Equal(("duplicate", eventId, eventId), await Answer(second));
    }

    [Fact]
    public async Task Ingest_must_store_the_accepted_envelope_once_for_get_events()
    {
        var clientId = "ext-client-" + Guid.NewGuid().ToString("N");
        var envelope = Envelope(clientId: clientId);
        var eventId = Event(envelope)["id"]!.GetValue<string>();

        using (var first = await IngestAsAdmin(envelope))
        {
            Assert.Equal("accepted", (await Answer(first)).Status);
        }

        using (var again = await IngestAsAdmin(envelope))
        {
            Assert.Equal("duplicate", (await Answer(again)).Status);
        }

        var stored = Assert.Single(await Host.WaitForEvents($"client_id={clientId}", _ => true));
        await Host.SettleEvents();
        Assert.Single(await Host.Events($"client_id={clientId}"));
        Assert.Equal(eventId, stored.Id());
        Assert.Equal("user_authenticated", stored.Type());
        Assert.Equal("2024-01-15T10:30:00.123Z", stored.Event().GetProperty("timestamp").GetString());
        Assert.Equal("info", stored.Severity());
        Assert.Equal("user-42", stored.Event().GetProperty("user_id").GetString());
        Assert.Equal("password", stored.Metadata("method"));
        Assert.Equal(eventId, stored.IdempotencyKey());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", stored.Traceparent());
        Assert.Equal("vendor=value", stored.GetProperty("tracestate").GetString());
        Assert.Equal("ext-correlation", stored.CorrelationId());
        Assert.Equal("billing-service", stored.GetProperty("producer").GetString());
        Assert.Equal("2024-01-15T10:30:00.456Z", stored.GetProperty("produced_at").GetString());
        // The server states where an event came from: an ingested event cannot pass for an internal one.
        Assert.Equal("ingest", stored.Attribute("source"));
        Assert.Equal("eu", stored.Attribute("region"));
        Assert.Empty(EventEnvelopeSchema.Errors(stored));
    }

    [Fact]
    public async Task Ingest_must_fill_in_what_a_minimal_envelope_leaves_out()
    {
        var clientId = "ext-client-" + Guid.NewGuid().ToString("N");
        var minimal = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["id"] = "ext-" + Guid.NewGuid().ToString("N"),
                ["event_type"] = "user_logout",
                ["timestamp"] = "2024-01-15T12:30:00+02:00",
                ["client_id"] = clientId,
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest") { Content = new StringContent(minimal.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Host.AdminToken());
        request.Headers.Add(TestHost.CorrelationHeader, "ingest-request-correlation");

        using var response = await Host.Client.SendAsync(request);

        Assert.Equal("accepted", (await Answer(response)).Status);
        var stored = Assert.Single(await Host.WaitForEvents($"client_id={clientId}", _ => true));
        Assert.Equal("info", stored.Severity());
        Assert.Equal("2024-01-15T10:30:00.000Z", stored.Event().GetProperty("timestamp").GetString());
        Assert.Equal(JsonValueKind.Object, stored.Event().GetProperty("metadata").ValueKind);
        Assert.Equal("ingest", stored.Attribute("source"));
        Assert.Equal("ingest-request-correlation", stored.CorrelationId());
        Assert.Equal("oauth2-actors", stored.GetProperty("producer").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("traceparent").ValueKind);
        Assert.Empty(EventEnvelopeSchema.Errors(stored));
    }

    [Fact]
    public async Task Ingest_must_deduplicate_by_the_idempotency_key_header()
    {
        var key = "header-" + Guid.NewGuid().ToString("N");

        using var first = await IngestAsAdmin(Envelope(), key);
        using var second = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = "body-" + Guid.NewGuid().ToString("N")), key);
        using var other = await IngestAsAdmin(Envelope(), key + "-other");

        var accepted = await Answer(first);
        Assert.Equal(("accepted", key), (accepted.Status, accepted.Key));
        var duplicate = await Answer(second);
        Assert.Equal(("duplicate", key), (duplicate.Status, duplicate.Key));
        Assert.Equal("accepted", (await Answer(other)).Status);
    }

    [Fact]
    public async Task Ingest_must_deduplicate_by_the_body_idempotency_key()
    {
        var key = "body-" + Guid.NewGuid().ToString("N");

        using var first = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = key));
        using var second = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = key));
        using var byHeader = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = key), "header-" + Guid.NewGuid().ToString("N"));

        var accepted = await Answer(first);
        Assert.Equal(("accepted", key), (accepted.Status, accepted.Key));
        var duplicate = await Answer(second);
        Assert.Equal(("duplicate", key), (duplicate.Status, duplicate.Key));
        // The header wins over the body: another key, so another event.
        Assert.Equal("accepted", (await Answer(byHeader)).Status);
    }

    [Fact]
    public async Task Ingest_must_deduplicate_by_the_event_id()
    {
        var eventId = "ext-" + Guid.NewGuid().ToString("N");

        using var first = await IngestAsAdmin(Envelope(eventId));
        using var second = await IngestAsAdmin(Envelope(eventId, change: e => Event(e)["event_type"] = "user_logout"));
        using var withKey = await IngestAsAdmin(Envelope(eventId, change: e => e["idempotency_key"] = "body-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(("accepted", eventId, eventId), await Answer(first));
        Assert.Equal(("duplicate", eventId, eventId), await Answer(second));
        // The body key wins over the event id: another key, so another event.
        Assert.Equal("accepted", (await Answer(withKey)).Status);
    }

    // ---- bad input --------------------------------------------------------------------------------------------------

    private static readonly Dictionary<string, Func<string>> BadBodies = new()
    {
        ["unknown event type"] = () => Envelope(change: e => Event(e)["event_type"] = "token_minted").ToJsonString(),
        ["missing event type"] = () => Envelope(change: e => Event(e).Remove("event_type")).ToJsonString(),
        ["missing event id"] = () => Envelope(change: e => Event(e).Remove("id")).ToJsonString(),
        ["empty event id"] = () => Envelope(change: e => Event(e)["id"] = "").ToJsonString(),
        ["too long event id"] = () => Envelope(change: e => Event(e)["id"] = new string('x', 201)).ToJsonString(),
        ["missing timestamp"] = () => Envelope(change: e => Event(e).Remove("timestamp")).ToJsonString(),
        ["timestamp that is not a date"] = () => Envelope(change: e => Event(e)["timestamp"] = "yesterday").ToJsonString(),
        ["numeric timestamp"] = () => Envelope(change: e => Event(e)["timestamp"] = 1705314600).ToJsonString(),
        ["unknown severity"] = () => Envelope(change: e => Event(e)["severity"] = "fatal").ToJsonString(),
        ["missing event"] = () => Envelope(change: e => e.Remove("event")).ToJsonString(),
        ["event that is a string"] = () => Envelope(change: e => e["event"] = "user_authenticated").ToJsonString(),
        ["numeric event id"] = () => Envelope(change: e => Event(e)["id"] = 42).ToJsonString(),
        ["metadata value that is a number"] = () => Envelope(change: e => Event(e)["metadata"] = new JsonObject { ["attempts"] = 3 }).ToJsonString(),
        ["metadata value that is null"] = () => Envelope(change: e => Event(e)["metadata"] = new JsonObject { ["attempts"] = null }).ToJsonString(),
        ["metadata that is an array"] = () => Envelope(change: e => Event(e)["metadata"] = new JsonArray("a")).ToJsonString(),
        ["malformed traceparent"] = () => Envelope(change: e => e["traceparent"] = "00-xyz-01").ToJsonString(),
        ["traceparent with a zero trace id"] = () => Envelope(change: e => e["traceparent"] = "00-00000000000000000000000000000000-b7ad6b7169203331-01").ToJsonString(),
        ["traceparent of another version"] = () => Envelope(change: e => e["traceparent"] = "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").ToJsonString(),
        ["too long tracestate"] = () => Envelope(change: e => e["tracestate"] = new string('a', 513)).ToJsonString(),
        ["too long idempotency key"] = () => Envelope(change: e => e["idempotency_key"] = new string('k', 201)).ToJsonString(),
        ["invalid JSON"] = () => "{\"event\": {\"id\": ",
        ["not JSON at all"] = () => "event=user_authenticated",
        ["empty body"] = () => string.Empty,
        ["JSON null"] = () => "null",
        ["JSON array"] = () => "[" + Envelope().ToJsonString() + "]",
        ["duplicate property"] = () => "{\"event\": {\"id\": \"a\", \"id\": \"b\", \"event_type\": \"user_logout\", \"timestamp\": \"2024-01-15T10:30:00Z\"}}",
        ["deeply nested JSON"] = () => new string('[', 5000) + new string(']', 5000),
        ["oversized body"] = () => Envelope(change: e => Event(e)["metadata"] = new JsonObject { ["padding"] = new string('p', 70 * 1024) }).ToJsonString(),
    };

    public static TheoryData<string> BadBodyCases => new(BadBodies.Keys);

    [Theory]
    [MemberData(nameof(BadBodyCases))]
    public async Task Ingest_must_answer_400_problem_details_for_a_bad_body(string because)
    {
        using var response = await Host.Ingest(BadBodies[because](), await Host.AdminToken());

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), because);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData(null)]
    public async Task Ingest_must_answer_400_problem_details_for_a_body_that_is_not_json(string? contentType)
    {
        using var response = await Host.Ingest(Envelope().ToJsonString(), await Host.AdminToken(), contentType: contentType);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_accept_json_with_a_charset()
    {
        using var response = await Host.Ingest(Envelope().ToJsonString(), await Host.AdminToken(), contentType: "application/json; charset=utf-8");

        Assert.Equal("accepted", (await Answer(response)).Status);
    }

    [Fact]
    public async Task Ingest_must_answer_400_for_an_oversized_body_sent_without_a_length()
    {
        var body = Envelope(change: e => Event(e)["metadata"] = new JsonObject { ["padding"] = new string('p', 70 * 1024) }).ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest") { Content = new StreamContent(new NoLengthStream(Encoding.UTF8.GetBytes(body))) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Host.AdminToken());

        using var response = await Host.Client.SendAsync(request);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("larger than", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_answer_400_for_two_idempotency_key_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest") { Content = new StringContent(Envelope().ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Host.AdminToken());
        request.Headers.TryAddWithoutValidation("Idempotency-Key", ["one", "two"]);

        using var response = await Host.Client.SendAsync(request);

        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Ingest_must_name_the_problem_in_the_detail()
    {
        using var unknown = await Host.Ingest(Envelope(change: e => Event(e)["event_type"] = "token_minted").ToJsonString(), await Host.AdminToken());
        using var traceparent = await Host.Ingest(Envelope(change: e => e["traceparent"] = "garbage").ToJsonString(), await Host.AdminToken());
        using var timestamp = await Host.Ingest(Envelope(change: e => Event(e).Remove("timestamp")).ToJsonString(), await Host.AdminToken());

        Assert.Contains("token_minted", (await AssertProblem(unknown, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("traceparent", (await AssertProblem(traceparent, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("event.timestamp", (await AssertProblem(timestamp, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The envelope schema allows only info, warning, error and critical; numbers are not severities.</summary>
    [Theory]
    [InlineData("1")]
    [InlineData("7")]
    [InlineData("warning, error")]
    public async Task Ingest_must_reject_a_severity_that_is_not_one_of_the_four_names(string severity)
    {
        var clientId = "ext-client-" + Guid.NewGuid().ToString("N");

        using var response = await Host.Ingest(Envelope(clientId: clientId, change: e => Event(e)["severity"] = severity).ToJsonString(), await Host.AdminToken());

        await AssertRejectedOrExplain(response, clientId);
    }

    /// <summary>The envelope schema says attribute values are strings; a null would be stored and served as-is.</summary>
    [Fact]
    public async Task Ingest_must_reject_attribute_values_that_are_null()
    {
        var clientId = "ext-client-" + Guid.NewGuid().ToString("N");

        using var response = await Host.Ingest(Envelope(clientId: clientId, change: e => e["attributes"] = new JsonObject { ["region"] = null }).ToJsonString(), await Host.AdminToken());

        await AssertRejectedOrExplain(response, clientId);
    }

    /// <summary>A W3C traceparent is exactly 55 characters; a trailing newline would be stored, served and propagated.</summary>
    [Fact]
    public async Task Ingest_must_reject_a_traceparent_with_a_trailing_newline()
    {
        var clientId = "ext-client-" + Guid.NewGuid().ToString("N");

        using var response = await Host.Ingest(Envelope(clientId: clientId, change: e => e["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n").ToJsonString(), await Host.AdminToken());

        await AssertRejectedOrExplain(response, clientId);
    }

    /// <summary>Expects 400; when the envelope was accepted instead, fails with what was stored and what the schema says of it.</summary>
    private async Task AssertRejectedOrExplain(HttpResponseMessage response, string clientId)
    {
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var stored = Assert.Single(await Host.WaitForEvents($"client_id={clientId}", _ => true));
            Assert.Fail($"Accepted (202) and stored as {stored.GetRawText()}; schema errors: {string.Join("; ", EventEnvelopeSchema.Errors(stored))}");
        }

        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    /// <summary>A stream that does not know its length, so the body is sent chunked.</summary>
    private sealed class NoLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
