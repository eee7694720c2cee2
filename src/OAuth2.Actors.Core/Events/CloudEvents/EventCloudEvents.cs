using System.Buffers;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace OAuth2.Actors.Events.CloudEvents;

/// <summary>
/// The CloudEvents 1.0 form of an event, shared by every sink that writes CloudEvents (docs/cloudevents.md):
/// <c>id</c> = event id, <c>source</c> = the issuer, <c>type</c> = <see cref="TypeOf"/>, <c>time</c> = the event's
/// timestamp (to the millisecond, as in the envelope), <c>subject</c> = the user id else the client id,
/// <c>datacontenttype</c> = <c>application/json</c>, <c>data</c> = the event object exactly as in the envelope's
/// <c>event</c>; extensions <c>traceparent</c>, <c>tracestate</c>, <c>correlationid</c>, <c>severitytext</c>,
/// <c>partitionkey</c> (= subject) and <c>idempotencykey</c> (the effective idempotency key), each absent when null.
/// </summary>
public static class EventCloudEvents
{
    public const string SpecVersion = "1.0";

    /// <summary>The prefix of every <c>type</c>: <c>com.oauth2actors.{resource}.{action}</c>.</summary>
    public const string TypePrefix = "com.oauth2actors.";

    public const string DataContentType = "application/json";

    /// <summary>The media type of a structured-mode message (the JSON event format).</summary>
    public const string StructuredContentType = "application/cloudevents+json";

    public static readonly CloudEventAttribute TraceparentAttribute = CloudEventAttribute.CreateExtension("traceparent", CloudEventAttributeType.String);

    public static readonly CloudEventAttribute TracestateAttribute = CloudEventAttribute.CreateExtension("tracestate", CloudEventAttributeType.String);

    public static readonly CloudEventAttribute CorrelationIdAttribute = CloudEventAttribute.CreateExtension("correlationid", CloudEventAttributeType.String);

    public static readonly CloudEventAttribute SeverityTextAttribute = CloudEventAttribute.CreateExtension("severitytext", CloudEventAttributeType.String);

    public static readonly CloudEventAttribute PartitionKeyAttribute = CloudEventAttribute.CreateExtension("partitionkey", CloudEventAttributeType.String);

    public static readonly CloudEventAttribute IdempotencyKeyAttribute = CloudEventAttribute.CreateExtension("idempotencykey", CloudEventAttributeType.String);

    /// <summary>The extension attributes this mapping writes: give them to a decoder so it reads them with their types.</summary>
    public static IReadOnlyList<CloudEventAttribute> ExtensionAttributes { get; } =
        [TraceparentAttribute, TracestateAttribute, CorrelationIdAttribute, SeverityTextAttribute, PartitionKeyAttribute, IdempotencyKeyAttribute];

    private static readonly string[] Types = Enum.GetValues<EventType>().Select(Type).ToArray();

    private static readonly string[] Severities = Enum.GetValues<EventSeverity>().Select(EventSeverityNames.Name).ToArray();

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = EventJson.Options.Encoder, SkipValidation = true };

    /// <summary>The SDK's JSON formatter, serializing <c>data</c> with the envelope's JSON options (snake_case, RFC 3339 times).</summary>
    public static CloudEventFormatter Formatter { get; } = new JsonEventFormatter(EventJson.Options, default);

    /// <summary>
    /// The reverse-DNS <c>type</c> of <paramref name="type"/>: <c>com.oauth2actors.</c>, the resource
    /// (<c>authorization_code</c>, <c>token</c>, <c>client</c>, <c>user</c>), a dot, the action: the snake_case event
    /// name with the dot after its resource (<c>token_created</c> is <c>com.oauth2actors.token.created</c>).
    /// </summary>
    public static string TypeOf(EventType type) =>
        (uint)type < (uint)Types.Length ? Types[(int)type] : throw new ArgumentOutOfRangeException(nameof(type));

    /// <summary>The CloudEvent of <paramref name="envelope"/>, from <paramref name="source"/> (the issuer).</summary>
    public static CloudEvent ToCloudEvent(EventEnvelope envelope, Uri source)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(source);
        var e = envelope.Event;
        var subject = Subject(e);
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = e.Id,
            Source = source,
            Type = TypeOf(e.EventType),
            Time = Time(e.Timestamp),
            Subject = subject,
            DataContentType = DataContentType,
            Data = e,
        };
        cloudEvent[TraceparentAttribute] = envelope.Traceparent;
        cloudEvent[TracestateAttribute] = envelope.Tracestate;
        cloudEvent[CorrelationIdAttribute] = envelope.CorrelationId;
        cloudEvent[SeverityTextAttribute] = Severities[(int)e.Severity];
        cloudEvent[PartitionKeyAttribute] = subject;
        cloudEvent[IdempotencyKeyAttribute] = envelope.EffectiveIdempotencyKey;
        return cloudEvent;
    }

    /// <summary>
    /// The structured-mode message (<c>application/cloudevents+json</c>) of <paramref name="envelope"/>: what
    /// <see cref="Formatter"/> writes for <see cref="ToCloudEvent"/>, written straight from the envelope (no
    /// CloudEvent in between, one buffer).
    /// </summary>
    public static ReadOnlyMemory<byte> Structured(EventEnvelope envelope, Uri source)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(source);

        // One reused buffer and writer per thread: the only allocation left is the result, at its exact size.
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = _threadWriter ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            WriteStructured(writer, envelope, source);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > 64 * 1024)
            {
                _threadBuffer = null; // an unusually large event: do not keep its buffer
                _threadWriter = null;
            }
        }
    }

    /// <summary>Writes the structured-mode JSON object of <paramref name="envelope"/> to <paramref name="writer"/>.</summary>
    public static void WriteStructured(Utf8JsonWriter writer, EventEnvelope envelope, Uri source)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(source);
        var e = envelope.Event;
        var subject = Subject(e);
        writer.WriteStartObject();
        writer.WriteString("specversion", SpecVersion);
        writer.WriteString("id", e.Id);
        writer.WriteString("source", SourceText(source));
        writer.WriteString("type", TypeOf(e.EventType));
        writer.WriteString("time", TimeText(e.Timestamp));
        if (subject is not null)
        {
            writer.WriteString("subject", subject);
        }

        writer.WriteString("datacontenttype", DataContentType);
        WriteIfPresent(writer, TraceparentAttribute.Name, envelope.Traceparent);
        WriteIfPresent(writer, TracestateAttribute.Name, envelope.Tracestate);
        WriteIfPresent(writer, CorrelationIdAttribute.Name, envelope.CorrelationId);
        writer.WriteString(SeverityTextAttribute.Name, Severities[(int)e.Severity]);
        WriteIfPresent(writer, PartitionKeyAttribute.Name, subject);
        writer.WriteString(IdempotencyKeyAttribute.Name, envelope.EffectiveIdempotencyKey);
        writer.WritePropertyName("data");
        JsonSerializer.Serialize(writer, e, EventJson.Options);
        writer.WriteEndObject();
    }

    /// <summary>The <c>data</c> of <paramref name="envelope"/> (the body of a binary-mode message): the event object as JSON.</summary>
    public static ReadOnlyMemory<byte> Data(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return JsonSerializer.SerializeToUtf8Bytes(envelope.Event, EventJson.Options);
    }

    /// <summary>
    /// The context attributes of <paramref name="envelope"/> in binary-mode order, as the transport writes them in its
    /// headers (with its prefix: <c>ce-</c>, <c>ce_</c>, <c>cloudEvents_</c>): every attribute but <c>data</c> and
    /// <c>datacontenttype</c> (the transport's content type), each absent when null.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> BinaryAttributes(EventEnvelope envelope, Uri source)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(source);
        var e = envelope.Event;
        var subject = Subject(e);
        yield return new("specversion", SpecVersion);
        yield return new("id", e.Id);
        yield return new("source", SourceText(source));
        yield return new("type", TypeOf(e.EventType));
        yield return new("time", TimeText(e.Timestamp));
        if (subject is not null)
        {
            yield return new("subject", subject);
        }

        if (envelope.Traceparent is not null)
        {
            yield return new(TraceparentAttribute.Name, envelope.Traceparent);
        }

        if (envelope.Tracestate is not null)
        {
            yield return new(TracestateAttribute.Name, envelope.Tracestate);
        }

        if (envelope.CorrelationId is not null)
        {
            yield return new(CorrelationIdAttribute.Name, envelope.CorrelationId);
        }

        yield return new(SeverityTextAttribute.Name, Severities[(int)e.Severity]);
        if (subject is not null)
        {
            yield return new(PartitionKeyAttribute.Name, subject);
        }

        yield return new(IdempotencyKeyAttribute.Name, envelope.EffectiveIdempotencyKey);
    }

    /// <summary>The <c>subject</c> (and <c>partitionkey</c>): the user id, else the client id, else none.</summary>
    public static string? Subject(AuthEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return !string.IsNullOrEmpty(e.UserId) ? e.UserId : !string.IsNullOrEmpty(e.ClientId) ? e.ClientId : null;
    }

    /// <summary>The <c>time</c>: the event's timestamp in UTC, to the millisecond (as the envelope writes it).</summary>
    public static DateTimeOffset Time(DateTimeOffset timestamp)
    {
        var utc = timestamp.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>The <c>time</c> attribute as text (RFC 3339, as the SDK formats it).</summary>
    public static string TimeText(DateTimeOffset timestamp) => CloudEventAttributeType.Timestamp.Format(Time(timestamp));

    /// <summary>
    /// The array behind <paramref name="bytes"/> when it spans all of it (what <see cref="Structured"/> and
    /// <see cref="Data"/> return), else a copy: for client libraries that take a byte[].
    /// </summary>
    public static byte[] AsArray(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();

    private static string SourceText(Uri source) => CloudEventAttributeType.UriReference.Format(source);

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Type(EventType type) => type switch
    {
        EventType.AuthorizationCodeCreated => TypePrefix + "authorization_code.created",
        EventType.AuthorizationCodeValidated => TypePrefix + "authorization_code.validated",
        EventType.AuthorizationCodeExpired => TypePrefix + "authorization_code.expired",
        EventType.TokenCreated => TypePrefix + "token.created",
        EventType.TokenValidated => TypePrefix + "token.validated",
        EventType.TokenRevoked => TypePrefix + "token.revoked",
        EventType.TokenExpired => TypePrefix + "token.expired",
        EventType.ClientRegistered => TypePrefix + "client.registered",
        EventType.ClientValidated => TypePrefix + "client.validated",
        EventType.ClientDeleted => TypePrefix + "client.deleted",
        EventType.ClientUpdated => TypePrefix + "client.updated",
        EventType.UserAuthenticated => TypePrefix + "user.authenticated",
        EventType.UserAuthenticationFailed => TypePrefix + "user.authentication_failed",
        EventType.UserLogout => TypePrefix + "user.logout",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
