namespace OAuth2.Actors.Server.Tests;

/// <summary>POST /events/ingest with bad input: a 400 ProblemDetails that names the problem, never a stored envelope.</summary>
public sealed class EventIngestBadInputHttpTests(TestHostFixture fixture) : EventIngestSuite(fixture)
{
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

        var problem = await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
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

        var problem = await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
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

        var problem = await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains("larger than", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_answer_400_for_two_idempotency_key_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest") { Content = new StringContent(Envelope().ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Host.AdminToken());
        request.Headers.TryAddWithoutValidation("Idempotency-Key", ["one", "two"]);

        using var response = await Host.Client.SendAsync(request);

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Ingest_must_name_the_problem_in_the_detail()
    {
        using var unknown = await Host.Ingest(Envelope(change: e => Event(e)["event_type"] = "token_minted").ToJsonString(), await Host.AdminToken());
        using var traceparent = await Host.Ingest(Envelope(change: e => e["traceparent"] = "garbage").ToJsonString(), await Host.AdminToken());
        using var timestamp = await Host.Ingest(Envelope(change: e => Event(e).Remove("timestamp")).ToJsonString(), await Host.AdminToken());

        Assert.Contains("token_minted", (await FlowAssert.Problem(unknown, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("traceparent", (await FlowAssert.Problem(traceparent, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("event.timestamp", (await FlowAssert.Problem(timestamp, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
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

        await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
    }

    /// <summary>A stream that does not know its length, so the body is sent chunked.</summary>
    private sealed class NoLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
