namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The contract of <c>/admin/api/sinks</c>: admin scope, 404 for a name that is no durable sink, the replay body's
/// 400s, the status's shape, pause/resume answers and a replay's 202 and 409; and the durable log on
/// <c>/events/health</c>. (What pause, resume and replay do to deliveries is proven by the event log suites.)
/// </summary>
public sealed class SinkAdminHttpTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string Sink = "in_memory";
    private const string ValidRange = """{"from": 1, "to": 2}""";

    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/admin/api/sinks" },
        { "GET", "/admin/api/sinks/in_memory" },
        { "POST", "/admin/api/sinks/in_memory/pause" },
        { "POST", "/admin/api/sinks/in_memory/resume" },
        { "POST", "/admin/api/sinks/in_memory/replay" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Sinks_must_answer_401_without_a_token(string method, string path)
    {
        using var response = await Send(method, path, bearer: null, ValidRange);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Sinks_must_answer_403_to_a_token_without_admin(string method, string path)
    {
        var (_, token) = await Host.RegisterWithToken(scope: "events:read events:ingest", bearer: await Host.AdminToken());

        using var response = await Send(method, path, token, ValidRange);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/admin/api/sinks/kafka")]
    [InlineData("GET", "/admin/api/sinks/IN_MEMORY")]
    [InlineData("POST", "/admin/api/sinks/console/pause")]
    [InlineData("POST", "/admin/api/sinks/nosuch/resume")]
    [InlineData("POST", "/admin/api/sinks/redis/replay")]
    public async Task Sinks_must_answer_404_problem_details_for_a_name_that_is_no_durable_sink(string method, string path)
    {
        using var response = await Send(method, path, await Host.AdminToken(), ValidRange);

        var body = await Problem(response, HttpStatusCode.NotFound);
        Assert.Contains("in_memory", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"to": 5}""", "'from' is required")]
    [InlineData("""{"from": 5}""", "'to' is required")]
    [InlineData("""{}""", "'from' is required")]
    [InlineData("""{"from": -1, "to": 5}""", "'from' must be")]
    [InlineData("""{"from": 1.5, "to": 5}""", "'from' must be")]
    [InlineData("""{"from": 1, "to": 99999999999999999999}""", "'to' must be")]
    [InlineData("""{"from": true, "to": 5}""", "'from' must be")]
    [InlineData("""{"from": null, "to": 5}""", "'from' must be")]
    [InlineData("""{"from": "5", "to": 6}""", "from '5' is not an RFC 3339")]
    [InlineData("""{"from": 1, "to": "yesterday"}""", "to 'yesterday' is not an RFC 3339")]
    [InlineData("""{"from": 7, "to": 6}""", "from must not be after to")]
    [InlineData("""{"from": "2024-01-15T10:30:00Z", "to": "2024-01-15T10:29:59Z"}""", "from must not be after to")]
    [InlineData("""{"from": 1, "to": 2, "sink": "kafka"}""", "'sink' is not a replay parameter")]
    [InlineData("""{"from": 1, "from": 1, "to": 2}""", "")]
    [InlineData("""[1, 2]""", "")]
    [InlineData("""{"from": 1,""", "")]
    public async Task Replay_must_answer_400_problem_details_for_a_bad_range(string json, string reason)
    {
        using var response = await Send("POST", "/admin/api/sinks/in_memory/replay", await Host.AdminToken(), json);

        var body = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_must_answer_400_for_a_body_that_is_not_json()
    {
        using var content = new StringContent("from=1&to=2", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await Host.Send(HttpMethod.Post, "/admin/api/sinks/in_memory/replay", await Host.AdminToken(), content);

        await Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Sinks_must_list_each_durable_sink_with_its_status()
    {
        var active = await WaitForState("active");

        var (status, body) = await Host.GetJson("/admin/api/sinks", await Host.AdminToken());

        Assert.Equal(HttpStatusCode.OK, status);
        var listed = Assert.Single(body.GetProperty("sinks").EnumerateArray());
        AssertStatusShape(listed);
        AssertStatusShape(active);
        Assert.Equal(Sink, listed.GetProperty("name").GetString());
        Assert.True(listed.GetProperty("head").GetInt64() >= listed.GetProperty("cursor").GetInt64());
        Assert.Equal(listed.GetProperty("head").GetInt64() - listed.GetProperty("cursor").GetInt64(), listed.GetProperty("lag_events").GetInt64());
    }

    [Fact]
    public async Task Sink_status_must_not_be_cached()
    {
        await WaitForState("active");

        using var response = await Send("GET", "/admin/api/sinks/in_memory", await Host.AdminToken(), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Pause_and_resume_must_answer_200_with_the_sinks_status()
    {
        await WaitForState("active");
        try
        {
            var paused = await Command("pause", HttpStatusCode.OK);
            var (_, shown) = await Host.GetJson("/admin/api/sinks/in_memory", await Host.AdminToken());

            AssertStatusShape(paused);
            Assert.Equal("paused", paused.GetProperty("state").GetString());
            Assert.Equal("paused", shown.GetProperty("state").GetString());
        }
        finally
        {
            var resumed = await Command("resume", HttpStatusCode.OK);
            AssertStatusShape(resumed);
            Assert.Contains(resumed.GetProperty("state").GetString(), new[] { "active", "failing" });
        }
    }

    [Fact]
    public async Task Replay_must_answer_202_with_its_positions_and_409_while_one_runs()
    {
        await Host.AccessToken(await Host.Register("read"));
        var head = (await WaitForStatus(s => s.GetProperty("head").GetInt64() >= 2 && s.GetProperty("state").GetString() == "active", "a head of 2 or more")).GetProperty("head").GetInt64();

        // Paused, the sink delivers nothing: the replay stays running, so the second one is refused.
        await Command("pause", HttpStatusCode.OK);
        try
        {
            var started = await Command("replay", HttpStatusCode.Accepted, $$"""{"from": 1, "to": {{head}}}""");
            var (_, during) = await Host.GetJson("/admin/api/sinks/in_memory", await Host.AdminToken());
            using var second = await Send("POST", "/admin/api/sinks/in_memory/replay", await Host.AdminToken(), """{"from": 1, "to": 1}""");

            Assert.Equal(Sink, started.GetProperty("sink").GetString());
            Assert.Equal(1, started.GetProperty("from").GetInt64());
            Assert.Equal(head, started.GetProperty("to").GetInt64());
            var replay = during.GetProperty("replay");
            Assert.Equal(1, replay.GetProperty("from").GetInt64());
            Assert.Equal(head, replay.GetProperty("to").GetInt64());
            Assert.False(replay.GetProperty("done").GetBoolean());
            await Problem(second, HttpStatusCode.Conflict);
        }
        finally
        {
            await Command("resume", HttpStatusCode.OK);
        }

        await WaitForStatus(s => s.GetProperty("replay").ValueKind == JsonValueKind.Object && s.GetProperty("replay").GetProperty("done").GetBoolean(), "the replay done");
    }

    [Fact]
    public async Task Replay_must_answer_400_for_a_range_past_the_head_of_the_log()
    {
        var head = (await WaitForState("active")).GetProperty("head").GetInt64();

        using var response = await Send("POST", "/admin/api/sinks/in_memory/replay", await Host.AdminToken(), $$"""{"from": {{head + 1000}}, "to": {{head + 2000}}}""");

        await Problem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Health_must_show_the_log_writer_and_each_durable_sink_to_an_admin()
    {
        await Host.AccessToken(await Host.Register("read"));

        var health = await Host.WaitForHealth(
            h => h.GetProperty("log").GetProperty("appended").ValueKind == JsonValueKind.Number && h.GetProperty("log").GetProperty("appended").GetInt64() > 0,
            "the log writer's counters");

        var log = health.GetProperty("log");
        Assert.True(log.GetProperty("available").GetBoolean());
        Assert.True(log.GetProperty("head").GetInt64() > 0);
        Assert.Equal(0, log.GetProperty("dropped").GetInt64());
        Assert.True(log.GetProperty("pending").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Null, log.GetProperty("last_error").ValueKind);
        var sink = Assert.Single(log.GetProperty("sinks").EnumerateArray());
        Assert.Equal(Sink, sink.GetProperty("name").GetString());
        Assert.True(sink.TryGetProperty("state", out _));
        var (_, anonymous) = await Host.GetJson("/events/health");
        Assert.False(anonymous.TryGetProperty("log", out _));
    }

    private static void AssertStatusShape(JsonElement status)
    {
        Assert.Equal(
            ["counters", "cursor", "head", "lag_events", "lag_seconds", "last_error", "lost", "name", "node", "replay", "state"],
            status.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains(status.GetProperty("state").GetString(), new[] { "starting", "active", "paused", "failing" });
        Assert.Equal(["delivered", "failed", "replayed", "skipped"], status.GetProperty("counters").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(status.GetProperty("counters").EnumerateObject(), c => Assert.True(c.Value.GetInt64() >= 0));
        Assert.True(status.GetProperty("lag_seconds").GetDouble() >= 0);
        Assert.Contains(status.GetProperty("replay").ValueKind, new[] { JsonValueKind.Null, JsonValueKind.Object });
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        return problem.RootElement.Clone();
    }

    private Task<JsonElement> WaitForState(string state) =>
        WaitForStatus(s => s.GetProperty("state").GetString() == state, "state " + state);

    private async Task<JsonElement> WaitForStatus(Func<JsonElement, bool> done, string what) =>
        await Eventually.Until(
            async () =>
            {
                var (status, body) = await Host.GetJson("/admin/api/sinks/in_memory", await Host.AdminToken());
                return status == HttpStatusCode.OK ? body : (JsonElement?)null;
            },
            s => s is { } status && done(status),
            "sink in_memory: " + what) ?? default;

    private async Task<JsonElement> Command(string action, HttpStatusCode expected, string? json = null)
    {
        using var response = await Send("POST", $"/admin/api/sinks/in_memory/{action}", await Host.AdminToken(), json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> Send(string method, string path, string? bearer, string? json)
    {
        var content = method == "POST" && json is not null ? new StringContent(json, Encoding.UTF8, "application/json") : null;
        return await Host.Send(new HttpMethod(method), path, bearer, content);
    }
}
