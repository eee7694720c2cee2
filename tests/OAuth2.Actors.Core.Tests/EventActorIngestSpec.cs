namespace OAuth2.Actors.Core.Tests;

/// <summary>Ingest through the event actor: validation, idempotency keys and the dedup window.</summary>
public class EventActorIngestSpec(ITestOutputHelper output) : EventActorSpecBase(output)
{
    // ---- ingest -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Ingest_must_accept_a_valid_envelope_and_deliver_it_to_the_sinks()
    {
        var (events, probe) = await StartWithProbeAsync(new EventSettings { Producer = "oauth2-spec" });

        var reply = await IngestAsync(events, Incoming(id: "ext-1", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), correlationId: "corr-1");

        var accepted = Assert.IsType<IngestAccepted>(reply);
        Assert.Equal("ext-1", accepted.EventId);
        Assert.Equal("ext-1", accepted.IdempotencyKey);
        var envelope = await probe.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("ext-1", envelope.Event.Id);
        Assert.Equal(EventType.UserAuthenticated, envelope.Event.EventType);
        Assert.Equal(Start, envelope.Event.Timestamp);
        Assert.Equal("user-1", envelope.Event.UserId);
        Assert.Equal("client-1", envelope.Event.ClientId);
        Assert.Equal("password", envelope.Event.Metadata["method"]);
        Assert.Equal("ext-1", envelope.IdempotencyKey);
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", envelope.Traceparent);
        Assert.Equal("corr-1", envelope.CorrelationId);
        Assert.Equal(EnvelopeValidator.IngestProducer, envelope.Producer);
        Assert.Equal(_time.GetUtcNow(), envelope.ProducedAt);
        Assert.Equal("ingest", envelope.Attributes["source"]);
    }

    [Fact]
    public async Task Ingest_must_keep_the_producers_own_correlation_producer_and_attributes()
    {
        var (events, probe) = await StartWithProbeAsync();
        var producedAt = Start.AddMinutes(-5);

        await IngestAsync(events, Incoming() with
        {
            CorrelationId = "their-corr",
            Producer = "billing-service",
            ProducedAt = producedAt,
            Attributes = new Dictionary<string, string> { ["source"] = "batch", ["region"] = "eu" },
        }, correlationId: "request-corr");

        var envelope = await probe.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("their-corr", envelope.CorrelationId);
        Assert.Equal("billing-service", envelope.Producer);
        Assert.Equal(producedAt, envelope.ProducedAt);
        Assert.Equal("eu", envelope.Attributes["region"]);
    }

    [Fact]
    public async Task Ingest_must_reject_an_envelope_that_claims_the_servers_own_producer()
    {
        var (events, probe) = await StartWithProbeAsync(new EventSettings { Producer = "oauth2-spec" });

        var reply = await IngestAsync(events, Incoming() with { Producer = "oauth2-spec" });

        Assert.Contains("'producer'", Assert.IsType<IngestRejected>(reply).Reason, StringComparison.Ordinal);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    public static TheoryData<string> KeySources => new() { "header", "body", "event_id" };

    private static (IncomingEnvelope Envelope, string? Header) WithKey(string source, string key, string eventId) => source switch
    {
        "header" => (Incoming(id: eventId), key),
        "body" => (Incoming(id: eventId, idempotencyKey: key), null),
        _ => (Incoming(id: key), null),
    };

    [Theory]
    [MemberData(nameof(KeySources))]
    public async Task Ingest_must_answer_duplicate_for_a_key_seen_before(string source)
    {
        var (events, probe) = await StartWithProbeAsync();

        var (first, firstHeader) = WithKey(source, "key-1", "event-a");
        var (second, secondHeader) = WithKey(source, "key-1", "event-b");
        var (third, thirdHeader) = WithKey(source, "key-2", "event-c");

        var accepted = Assert.IsType<IngestAccepted>(await IngestAsync(events, first, firstHeader));
        var duplicate = Assert.IsType<IngestDuplicate>(await IngestAsync(events, second, secondHeader));
        var other = Assert.IsType<IngestAccepted>(await IngestAsync(events, third, thirdHeader));

        Assert.Equal("key-1", accepted.IdempotencyKey);
        Assert.Equal("key-1", duplicate.IdempotencyKey);
        Assert.Equal("key-2", other.IdempotencyKey);
        Assert.Equal("key-1", (await probe.ExpectMsgAsync<EventEnvelope>()).IdempotencyKey);
        Assert.Equal("key-2", (await probe.ExpectMsgAsync<EventEnvelope>()).IdempotencyKey);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Ingest_must_take_the_key_from_the_header_then_the_body_then_the_event_id()
    {
        var events = StartEventActor();

        var header = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-1", idempotencyKey: "body-1"), "header-1"));
        var body = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-1", idempotencyKey: "body-1")));
        var id = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-1")));
        var blankHeader = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-2", idempotencyKey: "body-2"), "  "));

        Assert.Equal("header-1", header.IdempotencyKey);
        Assert.Equal("body-1", body.IdempotencyKey);
        Assert.Equal("id-1", id.IdempotencyKey);
        Assert.Equal("body-2", blankHeader.IdempotencyKey);
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "other"), "header-1"));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "other", idempotencyKey: "body-1")));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "id-1", idempotencyKey: " ")));
    }

    [Fact]
    public async Task Ingest_must_treat_a_key_as_new_once_the_dedup_window_has_passed()
    {
        var events = StartEventActor(new EventSettings { DedupWindow = TimeSpan.FromMinutes(1) });

        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "ext-1")));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "ext-1")));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "ext-1")));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "ext-1")));
    }

    [Fact]
    public async Task Ingest_must_remember_keys_of_events_the_filter_withholds()
    {
        var (events, probe) = await StartFilteredWithProbeAsync(EventFilterMode.Include, EventType.TokenCreated);

        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "withheld", type: "user_logout")));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "withheld", type: "user_logout")));
        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "passes", type: "token_created")));

        Assert.Equal("passes", (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    private static readonly Dictionary<string, (IncomingEnvelope Envelope, string Reason)> Invalid = new()
    {
        ["no event"] = (Incoming() with { Event = null }, "'event' is required"),
        ["unknown type"] = (Incoming(type: "token_minted"), "'event.event_type' 'token_minted' is not a known event type"),
        ["missing type"] = (Incoming(type: null), "'event.event_type' is required"),
        ["missing id"] = (Incoming(id: null), "'event.id' is required"),
        ["blank id"] = (Incoming(id: "   "), "'event.id' is required"),
        ["long id"] = (Incoming(id: new string('x', 201)), "'event.id' is required"),
        ["missing timestamp"] = (Incoming() with { Event = Incoming().Event! with { Timestamp = null } }, "'event.timestamp' is required"),
        ["bad severity"] = (Incoming() with { Event = Incoming().Event! with { Severity = "fatal" } }, "'event.severity' 'fatal'"),
        ["malformed traceparent"] = (Incoming(traceparent: "00-xyz-01"), "'traceparent' is not a W3C traceparent"),
        ["uppercase traceparent"] = (Incoming(traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"), "'traceparent' is not a W3C traceparent"),
        ["zero trace id"] = (Incoming(traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "'traceparent' is not a W3C traceparent"),
        ["zero span id"] = (Incoming(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "'traceparent' is not a W3C traceparent"),
        ["long tracestate"] = (Incoming() with { Tracestate = new string('a', 513) }, "'tracestate' is longer than 512"),
        ["long key"] = (Incoming(idempotencyKey: new string('k', 201)), "idempotency key is longer than 200"),
    };

    public static TheoryData<string> InvalidEnvelopes => new(Invalid.Keys);

    [Theory]
    [MemberData(nameof(InvalidEnvelopes))]
    public async Task Ingest_must_reject_an_invalid_envelope_with_the_reason(string because)
    {
        var (envelope, reason) = Invalid[because];
        var (events, probe) = await StartWithProbeAsync();

        var reply = await IngestAsync(events, envelope);

        var rejected = Assert.IsType<IngestRejected>(reply);
        Assert.True(rejected.Reason.Contains(reason, StringComparison.Ordinal), $"{because}: '{rejected.Reason}' should contain '{reason}'");
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        // A rejected envelope does not use up its key.
        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "ext-1")));
    }
}
