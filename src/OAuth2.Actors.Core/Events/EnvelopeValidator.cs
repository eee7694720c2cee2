using System.Text.RegularExpressions;

namespace OAuth2.Actors.Events;

/// <summary>Checks an ingested envelope field by field and says exactly what is wrong.</summary>
public static partial class EnvelopeValidator
{
    private const int MaxIdLength = 200;
    private const int MaxMetadataEntries = 64;
    private const int MaxValueLength = 2048;

    /// <summary>The producer of an ingested envelope that names none and was posted without a client behind it.</summary>
    public const string IngestProducer = "ingest";

    /// <summary>
    /// <paramref name="serverProducer"/> is this server's own producer (OAUTH2_EVENTS_PRODUCER): an ingested envelope
    /// may not claim it, so a consumer can trust that events with it come from the server. An envelope without a
    /// producer gets <paramref name="callerClientId"/> (the client that posted it).
    /// </summary>
    public static (EventEnvelope? Envelope, string? Problem) Validate(IncomingEnvelope incoming, string? idempotencyKeyHeader, string? requestCorrelationId, DateTimeOffset now, string serverProducer, string? callerClientId = null)
    {
        if (incoming.Event is not { } e)
        {
            return Fail("'event' is required.");
        }

        if (string.IsNullOrWhiteSpace(e.Id) || e.Id.Length > MaxIdLength)
        {
            return Fail($"'event.id' is required (at most {MaxIdLength} characters).");
        }

        if (!EventTypeNames.TryParse(e.EventType, out var type))
        {
            return Fail(e.EventType is null
                ? "'event.event_type' is required."
                : $"'event.event_type' '{e.EventType}' is not a known event type; known: {string.Join(", ", EventTypeNames.All)}.");
        }

        if (e.Timestamp is null)
        {
            return Fail("'event.timestamp' is required (RFC 3339).");
        }

        var severity = EventSeverity.Info;
        if (e.Severity is not null && !Severities.TryGetValue(e.Severity, out severity))
        {
            return Fail($"'event.severity' '{e.Severity}' must be one of info, warning, error, critical.");
        }

        if (incoming.Traceparent is not null && !IsTraceparent(incoming.Traceparent))
        {
            return Fail("'traceparent' is not a W3C traceparent (00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, ids not all zero).");
        }

        if (incoming.Tracestate is { Length: > 512 })
        {
            return Fail("'tracestate' is longer than 512 characters.");
        }

        var metadata = e.Metadata ?? new Dictionary<string, string>();
        if (metadata.Count > MaxMetadataEntries || metadata.Any(kv => kv.Key.Length > 128 || (kv.Value?.Length ?? 0) > MaxValueLength))
        {
            return Fail($"'event.metadata' holds at most {MaxMetadataEntries} entries with keys up to 128 and values up to {MaxValueLength} characters.");
        }

        if (metadata.Any(kv => kv.Value is null))
        {
            return Fail("'event.metadata' values must be strings.");
        }

        var key = FirstNonEmpty(idempotencyKeyHeader, incoming.IdempotencyKey) ?? e.Id;
        if (key.Length > MaxIdLength)
        {
            return Fail($"The idempotency key is longer than {MaxIdLength} characters.");
        }

        var attributes = incoming.Attributes ?? new Dictionary<string, string>();
        if (attributes.Count > MaxMetadataEntries || attributes.Any(kv => kv.Value is null || kv.Key.Length > 128 || kv.Value.Length > MaxValueLength))
        {
            return Fail($"'attributes' holds at most {MaxMetadataEntries} string values with keys up to 128 and values up to {MaxValueLength} characters.");
        }

        var producer = FirstNonEmpty(incoming.Producer, callerClientId) ?? IngestProducer;
        if (producer.Length > MaxIdLength)
        {
            return Fail($"'producer' is longer than {MaxIdLength} characters.");
        }

        if (string.Equals(producer.Trim(), serverProducer.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"'producer' '{serverProducer}' is this server's own producer; ingested events cannot claim it.");
        }

        // Where the event came from is the server's statement, not the caller's: ingested events cannot pass for internal ones.
        attributes = new Dictionary<string, string>(attributes) { ["source"] = "ingest" };

        return (new EventEnvelope(
            new AuthEvent(e.Id, type, e.Timestamp.Value, severity, e.UserId, e.ClientId, metadata, e.Error),
            key,
            incoming.Traceparent,
            incoming.Tracestate,
            FirstNonEmpty(incoming.CorrelationId, requestCorrelationId),
            producer,
            incoming.ProducedAt ?? now,
            attributes), null);

        static (EventEnvelope?, string?) Fail(string problem) => (null, problem);
    }

    public static bool IsTraceparent(string value)
    {
        var m = TraceparentPattern().Match(value);
        return m.Success && m.Groups["trace"].Value.Any(c => c != '0') && m.Groups["span"].Value.Any(c => c != '0');
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static readonly Dictionary<string, EventSeverity> Severities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["info"] = EventSeverity.Info,
        ["warning"] = EventSeverity.Warning,
        ["error"] = EventSeverity.Error,
        ["critical"] = EventSeverity.Critical,
    };

    // \z, not $: $ would also accept a trailing newline.
    [GeneratedRegex("^00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-[0-9a-f]{2}\\z")]
    private static partial Regex TraceparentPattern();
}
