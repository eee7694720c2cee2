using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>A server with webhooks enabled (OAUTH2_EVENTS_BACKEND=in_memory,webhook).</summary>
public sealed class WebhooksServerFixture() : TestHostFixture(("OAUTH2_EVENTS_BACKEND", "in_memory,webhook"));

/// <summary>
/// The contract of <c>/admin/api/webhooks</c> through the real host: admin scope, 201 with the secret shown once, views
/// that never show a secret, partial updates, delete, secret rotation, the attempts log's query, redelivery, and
/// ProblemDetails for every bad input. (Deliveries themselves are proven by the end-to-end suite.)
/// </summary>
public sealed class WebhookAdminApiTests(WebhooksServerFixture fixture) : HostTests<WebhooksServerFixture>(fixture)
{
    private const string Path = "/admin/api/webhooks";

    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", Path },
        { "GET", Path },
        { "GET", Path + "/wh_0000000000000000" },
        { "PUT", Path + "/wh_0000000000000000" },
        { "DELETE", Path + "/wh_0000000000000000" },
        { "POST", Path + "/wh_0000000000000000/rotate-secret" },
        { "GET", Path + "/wh_0000000000000000/attempts" },
        { "POST", Path + "/wh_0000000000000000/redeliver" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Webhooks_must_answer_401_without_a_token(string method, string path)
    {
        using var response = await Send(method, path, null, """{"url": "https://hooks.example.com/a"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Webhooks_must_answer_403_to_a_token_without_admin(string method, string path)
    {
        var (_, token) = await Host.RegisterWithToken(scope: "events:read events:ingest", bearer: await Host.AdminToken());

        using var response = await Send(method, path, token, """{"url": "https://hooks.example.com/a"}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_must_answer_201_with_location_id_and_a_secret_shown_only_then()
    {
        using var response = await Send("POST", Path, await Host.AdminToken(),
            """{"url": "https://hooks.example.com/created", "event_types": ["token_created", "user_*"], "format": "cloudevents", "enabled": false, "description": "audit"}""");

        var created = await Json(response, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^wh_[0-9a-f]{16}$", id);
        Assert.Equal(Path + "/" + id, response.Headers.Location?.ToString());
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith(WebhookSecret.Prefix, secret, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(secret[WebhookSecret.Prefix.Length..]).Length >= 24);
        Assert.Equal("https://hooks.example.com/created", created.GetProperty("url").GetString());
        Assert.Equal(["token_created", "user_*"], created.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("cloudevents", created.GetProperty("format").GetString());
        Assert.False(created.GetProperty("enabled").GetBoolean());
        Assert.Equal("audit", created.GetProperty("description").GetString());

        using var read = await Send("GET", Path + "/" + id, await Host.AdminToken(), null);
        var text = await read.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[WebhookSecret.Prefix.Length..], text, StringComparison.Ordinal);
        var view = JsonDocument.Parse(text).RootElement;
        Assert.False(view.TryGetProperty("secret", out _));
        Assert.Equal(
            ["created_at", "delivery", "description", "disabled_at", "disabled_reason", "enabled", "event_types", "failing_since", "format", "id", "next_retry_at",
                "pending_retries", "sink", "static", "updated_at", "url"],
            view.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("webhook:" + id, view.GetProperty("sink").GetString());
        Assert.Equal(0, view.GetProperty("pending_retries").GetInt32());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("failing_since").ValueKind);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("disabled_at").ValueKind);
        Assert.Equal(JsonValueKind.Object, view.GetProperty("delivery").ValueKind);

        using var list = await Send("GET", Path, await Host.AdminToken(), null);
        var listText = await list.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain(secret, listText, StringComparison.Ordinal);
        Assert.Contains(JsonDocument.Parse(listText).RootElement.GetProperty("webhooks").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Create_must_default_to_every_type_envelope_and_enabled()
    {
        var created = await Create("""{"url": "https://hooks.example.com/defaults"}""");

        Assert.Empty(created.GetProperty("event_types").EnumerateArray());
        Assert.Equal("envelope", created.GetProperty("format").GetString());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.False(created.GetProperty("static").GetBoolean());
    }

    [Theory]
    [InlineData("""{"url": "http://hooks.example.com/a"}""", "https")]
    [InlineData("""{"url": "ftp://hooks.example.com/a"}""", "https")]
    [InlineData("""{"url": "https://user:pw@hooks.example.com/a"}""", "user-info")]
    [InlineData("""{"url": "not a url"}""", "absolute")]
    [InlineData("""{"url": 5}""", "'url' must be a string")]
    [InlineData("""{"event_types": []}""", "'url' is required")]
    [InlineData("""{"url": "https://hooks.example.com/a", "secret": "whsec_x"}""", "'secret' is not a webhook field")]
    [InlineData("""{"url": "https://hooks.example.com/a", "event_types": ["no_such_type"]}""", "'no_such_type' matches no event type")]
    [InlineData("""{"url": "https://hooks.example.com/a", "event_types": "token_created"}""", "'event_types' must be a list")]
    [InlineData("""{"url": "https://hooks.example.com/a", "event_types": [1]}""", "'event_types' must be a list")]
    [InlineData("""{"url": "https://hooks.example.com/a", "format": "xml"}""", "'format' must be one of")]
    [InlineData("""{"url": "https://hooks.example.com/a", "enabled": "yes"}""", "'enabled' must be true or false")]
    [InlineData("""{"url": "https://hooks.example.com/a", "description": 3}""", "'description' must be a string")]
    [InlineData("""[1]""", "")]
    [InlineData("""{"url": """, "")]
    public async Task Create_must_answer_400_problem_details_for_a_bad_body(string json, string reason)
    {
        using var response = await Send("POST", Path, await Host.AdminToken(), json);

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_must_answer_400_for_a_body_that_is_not_json()
    {
        using var response = await Host.Send(HttpMethod.Post, Path, await Host.AdminToken(), new StringContent("url=https://x", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await Problem(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("PUT", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/rotate-secret")]
    [InlineData("GET", "/attempts")]
    [InlineData("POST", "/redeliver")]
    public async Task An_unknown_id_must_answer_404_problem_details(string method, string suffix)
    {
        var body = suffix == "/redeliver" ? """{"event_id": "ev-1"}""" : """{"enabled": true}""";

        using var response = await Send(method, Path + "/wh_ffffffffffffffff" + suffix, await Host.AdminToken(), body);

        await Problem(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Update_must_change_only_the_fields_given()
    {
        var created = await Create("""{"url": "https://hooks.example.com/before", "event_types": ["token_created"], "enabled": false, "description": "d"}""");
        var id = created.GetProperty("id").GetString()!;

        using var response = await Send("PUT", Path + "/" + id, await Host.AdminToken(), """{"url": "https://hooks.example.com/after", "format": "cloudevents-structured"}""");

        var view = await Json(response, HttpStatusCode.OK);
        Assert.Equal("https://hooks.example.com/after", view.GetProperty("url").GetString());
        Assert.Equal("cloudevents-structured", view.GetProperty("format").GetString());
        Assert.Equal(["token_created"], view.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()));
        Assert.False(view.GetProperty("enabled").GetBoolean());
        Assert.Equal("d", view.GetProperty("description").GetString());
        var read = await Json(await Send("GET", Path + "/" + id, await Host.AdminToken(), null), HttpStatusCode.OK);
        Assert.Equal("https://hooks.example.com/after", read.GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("""{}""", "at least one field")]
    [InlineData("""{"url": "http://hooks.example.com/a"}""", "https")]
    [InlineData("""{"id": "wh_other"}""", "'id' is not a webhook field")]
    [InlineData("""{"event_types": ["nope_*"]}""", "matches no event type")]
    public async Task Update_must_answer_400_problem_details_for_a_bad_body(string json, string reason)
    {
        var id = (await Create("""{"url": "https://hooks.example.com/update-bad", "enabled": false}""")).GetProperty("id").GetString()!;

        using var response = await Send("PUT", Path + "/" + id, await Host.AdminToken(), json);

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_must_answer_204_and_the_endpoint_must_be_gone()
    {
        var id = (await Create("""{"url": "https://hooks.example.com/deleted", "enabled": false}""")).GetProperty("id").GetString()!;

        using (var response = await Send("DELETE", Path + "/" + id, await Host.AdminToken(), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await Problem(await Send("GET", Path + "/" + id, await Host.AdminToken(), null), HttpStatusCode.NotFound);
        var list = await Json(await Send("GET", Path, await Host.AdminToken(), null), HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("webhooks").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Rotate_must_answer_201_with_a_new_secret_and_when_the_previous_one_stops_signing()
    {
        var created = await Create("""{"url": "https://hooks.example.com/rotated", "enabled": false}""");
        var id = created.GetProperty("id").GetString()!;
        var before = DateTimeOffset.UtcNow;

        using var response = await Send("POST", Path + "/" + id + "/rotate-secret", await Host.AdminToken(), null);

        var rotated = await Json(response, HttpStatusCode.Created);
        Assert.Equal(id, rotated.GetProperty("id").GetString());
        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.StartsWith(WebhookSecret.Prefix, secret, StringComparison.Ordinal);
        Assert.NotEqual(created.GetProperty("secret").GetString(), secret);
        var expires = DateTimeOffset.Parse(rotated.GetProperty("previous_secret_expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, before.AddHours(24).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(24).AddMinutes(1));
        var view = await (await Send("GET", Path + "/" + id, await Host.AdminToken(), null)).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, view, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attempts_of_a_new_endpoint_must_be_an_empty_page()
    {
        var id = (await Create("""{"url": "https://hooks.example.com/attempts", "enabled": false}""")).GetProperty("id").GetString()!;

        var page = await Json(await Send("GET", $"{Path}/{id}/attempts?event_id=ev-1&limit=10&before=2030-01-01T00:00:00Z", await Host.AdminToken(), null), HttpStatusCode.OK);

        Assert.Equal(id, page.GetProperty("id").GetString());
        Assert.Empty(page.GetProperty("attempts").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
    }

    [Theory]
    [InlineData("limit=0", "limit '0'")]
    [InlineData("limit=ten", "limit 'ten'")]
    [InlineData("limit=100000", "limit must be between")]
    [InlineData("before=yesterday", "before 'yesterday' is not an RFC 3339")]
    [InlineData("event_id=", "event_id must not be empty")]
    [InlineData("status=500", "'status' is not an attempts parameter")]
    public async Task Attempts_must_answer_400_problem_details_for_a_bad_query(string query, string reason)
    {
        var id = (await Create("""{"url": "https://hooks.example.com/attempts-bad", "enabled": false}""")).GetProperty("id").GetString()!;

        using var response = await Send("GET", $"{Path}/{id}/attempts?{query}", await Host.AdminToken(), null);

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{}""", "Give event_id")]
    [InlineData("""{"event_id": ""}""", "'event_id' must be a non-empty string")]
    [InlineData("""{"event_id": 5}""", "'event_id' must be a non-empty string")]
    [InlineData("""{"event_id": "a", "from": 1}""", "not both")]
    [InlineData("""{"from": 1}""", "'to' is required")]
    [InlineData("""{"from": 7, "to": 6}""", "from must not be after to")]
    [InlineData("""{"from": 1, "to": 2, "sink": "x"}""", "'sink' is not a replay parameter")]
    public async Task Redeliver_must_answer_400_problem_details_for_a_bad_body(string json, string reason)
    {
        var id = (await Create("""{"url": "https://hooks.example.com/redeliver-bad", "enabled": false}""")).GetProperty("id").GetString()!;

        using var response = await Send("POST", $"{Path}/{id}/redeliver", await Host.AdminToken(), json);

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeliver_of_an_event_not_in_the_log_must_answer_404()
    {
        var id = (await Create("""{"url": "https://hooks.example.com/redeliver-missing", "enabled": false}""")).GetProperty("id").GetString()!;

        var problem = await Problem(await Send("POST", $"{Path}/{id}/redeliver", await Host.AdminToken(), """{"event_id": "not-logged"}"""), HttpStatusCode.NotFound);

        Assert.Contains("not-logged", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeliver_of_a_logged_event_must_answer_202_with_the_attempt_and_show_a_pending_retry()
    {
        var id = (await Create("""{"url": "https://hooks.example.com/redeliver", "enabled": false}""")).GetProperty("id").GetString()!;
        var eventId = "redeliver-" + Guid.NewGuid().ToString("N");
        var envelope = new JsonObject { ["event"] = new JsonObject { ["id"] = eventId, ["event_type"] = "user_logout", ["timestamp"] = DateTimeOffset.UtcNow.ToString("O") } };
        using (var ingested = await Host.Ingest(envelope.ToJsonString(), await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.Accepted, ingested.StatusCode);
        }

        var scheduled = await Eventually.Until(
            async () =>
            {
                using var response = await Send("POST", $"{Path}/{id}/redeliver", await Host.AdminToken(), $$"""{"event_id": "{{eventId}}"}""");
                return response.StatusCode == HttpStatusCode.Accepted ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : (JsonElement?)null;
            },
            r => r is not null,
            "the ingested event to be logged and redelivered");

        Assert.Equal(eventId, scheduled!.Value.GetProperty("event_id").GetString());
        Assert.Equal(1, scheduled.Value.GetProperty("attempt").GetInt32());
        var view = await Json(await Send("GET", Path + "/" + id, await Host.AdminToken(), null), HttpStatusCode.OK);
        Assert.Equal(1, view.GetProperty("pending_retries").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("next_retry_at").ValueKind);
    }

    private async Task<JsonElement> Create(string json) =>
        await Json(await Send("POST", Path, await Host.AdminToken(), json), HttpStatusCode.Created);

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    internal static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private Task<HttpResponseMessage> Send(string method, string path, string? bearer, string? json)
    {
        var content = method is "POST" or "PUT" && json is not null ? new StringContent(json, Encoding.UTF8, "application/json") : null;
        return Host.Send(new HttpMethod(method), path, bearer, content);
    }
}

/// <summary>Without webhook in OAUTH2_EVENTS_BACKEND the API answers 404 saying how to enable it (after authorization).</summary>
public sealed class WebhooksNotEnabledApiTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Theory]
    [InlineData("GET", "/admin/api/webhooks")]
    [InlineData("POST", "/admin/api/webhooks")]
    [InlineData("GET", "/admin/api/webhooks/wh_0000000000000000/attempts")]
    public async Task Webhooks_must_answer_404_problem_details_saying_how_to_enable_them(string method, string path)
    {
        var content = method == "POST" ? new StringContent("""{"url": "https://hooks.example.com/a"}""", Encoding.UTF8, "application/json") : null;

        var problem = await WebhookAdminApiTests.Problem(await Host.Send(new HttpMethod(method), path, await Host.AdminToken(), content), HttpStatusCode.NotFound);

        Assert.Equal("Webhooks are not enabled", problem.GetProperty("title").GetString());
        Assert.Contains("OAUTH2_EVENTS_BACKEND", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhooks_must_still_require_a_token_when_not_enabled()
    {
        using var response = await Host.Send(HttpMethod.Get, "/admin/api/webhooks", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>Webhooks enabled with an endpoint from the environment (OAUTH2_WEBHOOKS_URL and its variables).</summary>
public sealed class StaticWebhookServerFixture() : TestHostFixture(
    ("OAUTH2_EVENTS_BACKEND", "in_memory,webhook"),
    ("OAUTH2_WEBHOOKS_URL", StaticWebhookApiTests.Url),
    ("OAUTH2_WEBHOOKS_SECRET", StaticWebhookApiTests.Secret),
    ("OAUTH2_WEBHOOKS_EVENT_TYPES", "token_created, user_*"),
    ("OAUTH2_WEBHOOKS_FORMAT", "cloudevents-structured"));

/// <summary>The endpoint configured by the environment: in the API as <c>static</c>, with its settings, read-only.</summary>
public sealed class StaticWebhookApiTests(StaticWebhookServerFixture fixture) : HostTests<StaticWebhookServerFixture>(fixture)
{
    // .invalid never resolves (RFC 2606): nothing leaves the machine.
    public const string Url = "https://hooks.invalid/static";
    public static readonly string Secret = WebhookSecret.Prefix + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public async Task The_static_endpoint_must_be_shown_with_its_environment_settings_and_no_secret()
    {
        var text = await Eventually.Until(
            async () =>
            {
                using var response = await Host.Send(HttpMethod.Get, "/admin/api/webhooks/static", await Host.AdminToken());
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
            },
            t => t is not null,
            "the static endpoint to be stored at start");

        Assert.DoesNotContain(Secret[WebhookSecret.Prefix.Length..], text!, StringComparison.Ordinal);
        var view = JsonDocument.Parse(text!).RootElement;
        Assert.Equal("static", view.GetProperty("id").GetString());
        Assert.True(view.GetProperty("static").GetBoolean());
        Assert.Equal(Url, view.GetProperty("url").GetString());
        Assert.Equal(["token_created", "user_*"], view.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("cloudevents-structured", view.GetProperty("format").GetString());
        Assert.True(view.GetProperty("enabled").GetBoolean());
    }

    [Theory]
    [InlineData("PUT", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/rotate-secret")]
    public async Task The_static_endpoint_must_be_read_only_in_the_api(string method, string suffix)
    {
        await Eventually.Until(
            async () => (await Host.GetJson("/admin/api/webhooks/static", await Host.AdminToken())).Status,
            s => s == HttpStatusCode.OK,
            "the static endpoint to be stored at start");
        var content = method == "PUT" ? new StringContent("""{"enabled": false}""", Encoding.UTF8, "application/json") : null;

        var problem = await WebhookAdminApiTests.Problem(await Host.Send(new HttpMethod(method), "/admin/api/webhooks/static" + suffix, await Host.AdminToken(), content), HttpStatusCode.Conflict);

        Assert.Contains("OAUTH2_WEBHOOKS_URL", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
