using System.Text.Json;
using Akka.Configuration;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The envelope: its validation on ingest, its one JSON form, and how the actors publish it.</summary>
public class EventEnvelopeTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING"), output: output)
{
    private static readonly DateTimeOffset ValidatedAt = Start.AddHours(1);

    private const string ServerProducer = "oauth2-server";

    private static EventEnvelope Valid(IncomingEnvelope incoming, string? header = null, string? correlation = null)
    {
        var (envelope, problem) = EnvelopeValidator.Validate(incoming, header, correlation, ValidatedAt, ServerProducer);
        Assert.True(envelope is not null, problem);
        return envelope!;
    }

    private static string Problem(IncomingEnvelope incoming)
    {
        var (envelope, problem) = EnvelopeValidator.Validate(incoming, null, null, ValidatedAt, ServerProducer);
        Assert.Null(envelope);
        Assert.False(string.IsNullOrWhiteSpace(problem));
        return problem!;
    }

    // ---- validation -------------------------------------------------------------------------------------------------

    [Fact]
    public void EnvelopeValidator_must_accept_a_minimal_envelope_and_fill_in_defaults()
    {
        var envelope = Valid(new IncomingEnvelope(new IncomingEvent("ext-1", "user_logout", Start, null, null, null, null, null), null, null, null, null, null, null, null), correlation: "request-corr");

        Assert.Equal("ext-1", envelope.Event.Id);
        Assert.Equal(EventType.UserLogout, envelope.Event.EventType);
        Assert.Equal(EventSeverity.Info, envelope.Event.Severity);
        Assert.Empty(envelope.Event.Metadata);
        Assert.Equal("ext-1", envelope.IdempotencyKey);
        Assert.Equal("request-corr", envelope.CorrelationId);
        Assert.Equal(EnvelopeValidator.IngestProducer, envelope.Producer);
        Assert.Equal(ValidatedAt, envelope.ProducedAt);
        Assert.Equal("ingest", envelope.Attributes["source"]);
    }

    /// <summary>Events with the server's own producer are the server's: an ingested one cannot pass for one (any case, any padding).</summary>
    [Theory]
    [InlineData(ServerProducer)]
    [InlineData("OAuth2-Server")]
    [InlineData(" oauth2-server ")]
    public void EnvelopeValidator_must_refuse_an_envelope_that_claims_the_servers_own_producer(string producer)
    {
        Assert.Contains("'producer'", Problem(Incoming() with { Producer = producer }), StringComparison.Ordinal);
    }

    [Fact]
    public void EnvelopeValidator_must_name_the_posting_client_as_producer_when_the_envelope_names_none()
    {
        var (envelope, problem) = EnvelopeValidator.Validate(Incoming() with { Producer = null }, null, null, ValidatedAt, ServerProducer, callerClientId: "billing-client");

        Assert.True(envelope is not null, problem);
        Assert.Equal("billing-client", envelope!.Producer);
    }

    [Fact]
    public void EnvelopeValidator_must_refuse_a_posting_client_whose_id_is_the_servers_producer_when_the_envelope_names_none()
    {
        var (envelope, problem) = EnvelopeValidator.Validate(Incoming() with { Producer = null }, null, null, ValidatedAt, ServerProducer, callerClientId: ServerProducer);

        Assert.Null(envelope);
        Assert.Contains("'producer'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("info", EventSeverity.Info)]
    [InlineData("warning", EventSeverity.Warning)]
    [InlineData("error", EventSeverity.Error)]
    [InlineData("critical", EventSeverity.Critical)]
    [InlineData("CRITICAL", EventSeverity.Critical)]
    public void EnvelopeValidator_must_accept_the_four_severities_in_any_case(string severity, EventSeverity expected)
    {
        var envelope = Valid(Incoming() with { Event = Incoming().Event! with { Severity = severity } });

        Assert.Equal(expected, envelope.Event.Severity);
    }

    /// <summary>Only the four names are severities (the schema's enum); numbers and flag combinations are not.</summary>
    [Theory]
    [InlineData("1")]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("warning, error")]
    [InlineData("fatal")]
    [InlineData("")]
    public void EnvelopeValidator_must_reject_a_severity_that_is_not_one_of_the_four_names(string severity)
    {
        Assert.Contains("'event.severity'", Problem(Incoming() with { Event = Incoming().Event! with { Severity = severity } }), StringComparison.Ordinal);
    }

    [Fact]
    public void EnvelopeValidator_must_reject_metadata_that_is_too_large_or_not_strings()
    {
        var many = Enumerable.Range(0, 65).ToDictionary(i => "k" + i, i => "v");
        Assert.Contains("'event.metadata'", Problem(Incoming() with { Event = Incoming().Event! with { Metadata = many } }), StringComparison.Ordinal);
        Assert.Contains("'event.metadata'", Problem(Incoming() with { Event = Incoming().Event! with { Metadata = new() { ["k"] = new string('v', 2049) } } }), StringComparison.Ordinal);
        Assert.Contains("'event.metadata'", Problem(Incoming() with { Event = Incoming().Event! with { Metadata = new() { [new string('k', 129)] = "v" } } }), StringComparison.Ordinal);
        Assert.Contains("'event.metadata'", Problem(Incoming() with { Event = Incoming().Event! with { Metadata = new() { ["k"] = null! } } }), StringComparison.Ordinal);
    }

    /// <summary>The schema says attribute values are strings, as for metadata.</summary>
    [Fact]
    public void EnvelopeValidator_must_reject_attribute_values_that_are_not_strings()
    {
        Assert.Contains("attributes", Problem(Incoming() with { Attributes = new() { ["region"] = null! } }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false)]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false)]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", false)]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false)]
    [InlineData(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false)]
    [InlineData("", false)]
    public void EnvelopeValidator_must_recognise_w3c_traceparents(string value, bool valid)
    {
        Assert.Equal(valid, EnvelopeValidator.IsTraceparent(value));
    }

    /// <summary>A traceparent is exactly 55 characters: a trailing newline is not part of the format (.NET's "$" allows one).</summary>
    [Fact]
    public void EnvelopeValidator_must_reject_a_traceparent_with_a_trailing_newline()
    {
        Assert.False(EnvelopeValidator.IsTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n"));
        Assert.Contains("'traceparent'", Problem(Incoming(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n")), StringComparison.Ordinal);
    }

    // ---- JSON -------------------------------------------------------------------------------------------------------

    [Fact]
    public void EventJson_must_write_the_seed_shape_in_snake_case_with_explicit_nulls_and_utc_millisecond_timestamps()
    {
        var envelope = new EventEnvelope(
            new AuthEvent("id-1", EventType.TokenCreated, new DateTimeOffset(2024, 1, 15, 12, 30, 0, 123, TimeSpan.FromHours(2)), EventSeverity.Warning, null, "billing", new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, null),
            null,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            null,
            "corr-1",
            "oauth2-actors",
            new DateTimeOffset(2024, 1, 15, 10, 30, 0, 456, TimeSpan.Zero),
            new Dictionary<string, string> { ["source"] = "http" });

        using var json = JsonDocument.Parse(EventJson.Serialize(envelope));
        var root = json.RootElement;

        Assert.Equal(["event", "idempotency_key", "traceparent", "tracestate", "correlation_id", "producer", "produced_at", "attributes"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["id", "event_type", "timestamp", "severity", "user_id", "client_id", "metadata", "error"], root.GetProperty("event").EnumerateObject().Select(p => p.Name));
        Assert.Equal("token_created", root.GetProperty("event").GetProperty("event_type").GetString());
        Assert.Equal("warning", root.GetProperty("event").GetProperty("severity").GetString());
        Assert.Equal("2024-01-15T10:30:00.123Z", root.GetProperty("event").GetProperty("timestamp").GetString());
        Assert.Equal("2024-01-15T10:30:00.456Z", root.GetProperty("produced_at").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("event").GetProperty("user_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("event").GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("idempotency_key").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tracestate").ValueKind);
        Assert.Equal("client_credentials", root.GetProperty("event").GetProperty("metadata").GetProperty("grant_type").GetString());
        Assert.Equal(EventJson.Serialize(envelope), System.Text.Encoding.UTF8.GetString(EventJson.SerializeToUtf8(envelope)));
    }

    [Fact]
    public void EventJson_and_the_stream_frame_must_write_exactly_what_the_serializer_writes_for_every_kind_of_envelope()
    {
        // EventJson writes envelopes with its own Utf8JsonWriter code (the hot path); the serializer with
        // EventJson.Options is the reference, byte for byte: escaping, nulls, every type and severity, odd times.
        var random = new Random(20261202);
        string? Text(int i) => (i % 5) switch
        {
            0 => null,
            1 => "plain-" + i,
            2 => "quote \" backslash \\ tab \t newline \n <html> & 'apostrophe' +plus",
            3 => "unicode é ü 漢字 emoji \U0001F600 and \u0001 control",
            _ => string.Empty,
        };
        var types = Enum.GetValues<EventType>();
        var severities = Enum.GetValues<EventSeverity>();
        for (var i = 0; i < 200; i++)
        {
            var metadata = Enumerable.Range(0, i % 4).ToDictionary(k => Text(k + 1) + k, k => Text(k + i + 1) ?? "v");
            var offset = TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1));
            var timestamp = new DateTimeOffset(DateTime.SpecifyKind(new DateTime(2020, 1, 1).AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 3650)), DateTimeKind.Unspecified), offset);
            var envelope = new EventEnvelope(
                new AuthEvent(Text(i + 1) ?? "id", types[i % types.Length], timestamp, severities[i % severities.Length], Text(i), Text(i + 2), metadata, Text(i + 3)),
                Text(i + 4),
                Text(i + 1),
                Text(i + 2),
                Text(i),
                Text(i + 1) ?? "producer",
                timestamp.AddMilliseconds(i),
                i % 3 == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { ["source"] = "http", ["remote_address"] = Text(i + 3) ?? "::1" });

            Assert.Equal(JsonSerializer.Serialize(envelope, EventJson.Options), EventJson.Serialize(envelope));
            Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(envelope, EventJson.Options), EventJson.SerializeToUtf8(envelope));
            var id = envelope.Event.Id.AsSpan().IndexOfAny('\r', '\n', '\0') < 0 ? $"id: {envelope.Event.Id}\n" : string.Empty;
            Assert.Equal($"{id}data: {EventJson.Serialize(envelope)}\n\n", System.Text.Encoding.UTF8.GetString(StreamedEvent.Of(envelope).Frame.Span));
        }
    }

    [Fact]
    public void EventJson_must_ship_the_envelope_schema()
    {
        using var schema = JsonDocument.Parse(EventJson.Schema());

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
        var types = schema.RootElement.GetProperty("properties").GetProperty("event").GetProperty("properties").GetProperty("event_type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);
        Assert.Equal(EventTypeNames.All.Order(), types.Order());
    }

    [Fact]
    public async Task ConsolePlugin_must_write_one_json_envelope_per_line()
    {
        using var writer = new StringWriter();
        var plugin = new ConsoleEventPlugin(writer);

        await plugin.EmitAsync(Envelope(EventType.TokenCreated, id: "a"), CancellationToken.None);
        await plugin.EmitAsync(Envelope(EventType.TokenRevoked, id: "b"), CancellationToken.None);

        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(EventBackends.Console, plugin.Name);
        Assert.Equal(["a", "b"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetProperty("id").GetString()));
    }

    // ---- publishing -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task EventPublisher_must_tell_the_event_actor_an_envelope_built_from_the_request_context()
    {
        var time = new FakeTimeProvider(Start);
        var events = CreateTestProbe();
        var publisher = new EventPublisher(SpecSupport.EnvelopesTo(Sys, events), time, "spec-producer");
        var context = new RequestContext("corr-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=1", "127.0.0.1");

        publisher.Publish(EventType.TokenCreated, context, "billing", metadata: new Dictionary<string, string> { ["scope"] = "read" });

        var envelope = await events.ExpectMsgAsync<EventEnvelope>();
        Assert.True(Guid.TryParse(envelope.Event.Id, out _));
        Assert.Equal(EventType.TokenCreated, envelope.Event.EventType);
        Assert.Equal(Start, envelope.Event.Timestamp);
        Assert.Equal(Start, envelope.ProducedAt);
        Assert.Equal(EventSeverity.Info, envelope.Event.Severity);
        Assert.Equal("billing", envelope.Event.ClientId);
        Assert.Null(envelope.Event.UserId);
        Assert.Null(envelope.Event.Error);
        Assert.Equal("read", envelope.Event.Metadata["scope"]);
        Assert.Equal("corr-1", envelope.CorrelationId);
        Assert.Equal(context.TraceParent, envelope.Traceparent);
        Assert.Equal("vendor=1", envelope.Tracestate);
        Assert.Equal("spec-producer", envelope.Producer);
        Assert.Equal("http", envelope.Attributes["source"]);
        Assert.Equal(envelope.Event.Id, envelope.EffectiveIdempotencyKey);
    }

    [Fact]
    public async Task EventPublisher_must_mark_internal_operations_and_carry_severity_and_error()
    {
        var events = CreateTestProbe();
        var publisher = new EventPublisher(SpecSupport.EnvelopesTo(Sys, events), new FakeTimeProvider(Start), "spec");

        publisher.Publish(EventType.ClientValidated, RequestContext.Internal("boot"), "admin", severity: EventSeverity.Warning, error: "invalid_client");
        publisher.Publish(EventType.TokenExpired, null);

        var first = await events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("internal", first.Attributes["source"]);
        Assert.Equal(EventSeverity.Warning, first.Event.Severity);
        Assert.Equal("invalid_client", first.Event.Error);
        var second = await events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("internal", second.Attributes["source"]);
        Assert.Null(second.CorrelationId);
        Assert.Null(second.Traceparent);
    }

    [Fact]
    public async Task EventPublisher_must_publish_nothing_when_disabled()
    {
        var events = CreateTestProbe();

        new EventPublisher(events.Ref, new FakeTimeProvider(Start), "spec", enabled: false).Publish(EventType.TokenCreated, null);
        EventPublisher.None.Publish(EventType.TokenCreated, null);

        Assert.False(EventPublisher.None.Enabled);
        await events.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void EventPublisher_must_never_block_when_the_event_actor_is_gone()
    {
        var publisher = new EventPublisher(ActorRefs.Nobody, new FakeTimeProvider(Start), "spec");

        publisher.Publish(EventType.TokenCreated, null);
    }
}
