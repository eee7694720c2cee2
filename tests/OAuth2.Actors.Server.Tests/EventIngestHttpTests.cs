namespace OAuth2.Actors.Server.Tests;

/// <summary>POST /events/ingest: who may send, what is accepted, deduplicated and stored.</summary>
public sealed class EventIngestHttpTests(TestHostFixture fixture) : EventIngestSuite(fixture)
{
    // ---- authorization --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Ingest_must_answer_401_without_a_token()
    {
        using var response = await Host.Ingest(Envelope().ToJsonString(), bearer: null);

        await FlowAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_answer_401_for_a_token_that_is_not_ours()
    {
        using var response = await Host.Ingest(Envelope().ToJsonString(), bearer: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");

        await FlowAssert.Problem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Ingest_must_answer_403_for_a_token_without_events_ingest()
    {
        var reader = await Host.Register(scope: "read");
        var token = await Host.AccessToken(reader);

        using var response = await Host.Ingest(Envelope().ToJsonString(), token);

        await FlowAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_must_answer_403_for_a_token_with_only_events_read()
    {
        var reader = await Host.Register(scope: "events:read", bearer: await Host.AdminToken());
        var token = await Host.AccessToken(reader);

        using var response = await Host.Ingest(Envelope().ToJsonString(), token);

        await FlowAssert.Problem(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ingest_must_accept_an_envelope_from_a_client_with_events_ingest()
    {
        var producer = await Host.Register(scope: "events:ingest", bearer: await Host.AdminToken());
        var token = await Host.AccessToken(producer);

        using var response = await Host.Ingest(Envelope().ToJsonString(), token);

        Assert.Equal("accepted", (await Answer(response)).Status);
    }

    /// <summary>A client cannot forge the server's own events: the server's producer (OAUTH2_EVENTS_PRODUCER) is refused.</summary>
    [Fact]
    public async Task Ingest_must_refuse_an_envelope_that_claims_the_servers_own_producer()
    {
        var clientId = "forger-" + Guid.NewGuid().ToString("N");

        using var response = await IngestAsAdmin(Envelope(clientId: clientId, change: e => e["producer"] = "oauth2-actors"));

        var problem = await FlowAssert.Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains("producer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await Host.Events($"client_id={clientId}"));
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
        Assert.Equal(TestHost.AdminClientId, stored.GetProperty("producer").GetString());
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

        await AssertDeduplicated(key, first, second, other);
    }

    [Fact]
    public async Task Ingest_must_deduplicate_by_the_body_idempotency_key()
    {
        var key = "body-" + Guid.NewGuid().ToString("N");

        using var first = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = key));
        using var second = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = key));
        using var byHeader = await IngestAsAdmin(Envelope(change: e => e["idempotency_key"] = key), "header-" + Guid.NewGuid().ToString("N"));

        // The header wins over the body: another key, so another event.
        await AssertDeduplicated(key, first, second, byHeader);
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
        // Another key, but the id is already in the log, where event ids are unique (GET /events/{id} names one event):
        // the log answers it as a duplicate of the event that holds the id, never a second event under it.
        var (status, _, id) = await Answer(withKey);
        Assert.Equal(("duplicate", eventId), (status, id));
    }

    /// <summary>The first send under <paramref name="key"/> is accepted, the second is a duplicate of it, and <paramref name="otherKey"/> (sent under another key) is accepted anew.</summary>
    private static async Task AssertDeduplicated(string key, HttpResponseMessage first, HttpResponseMessage second, HttpResponseMessage otherKey)
    {
        await AssertAnswer(first, "accepted", key);
        await AssertAnswer(second, "duplicate", key);
        Assert.Equal("accepted", (await Answer(otherKey)).Status);
    }
}
