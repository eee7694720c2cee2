using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OAuth2.Actors.Events;

/// <summary>
/// Writes an envelope's JSON directly with <see cref="Utf8JsonWriter"/>: the same bytes as
/// <c>JsonSerializer.Serialize(envelope, EventJson.Options)</c> (property names and order, explicit nulls, the encoder's
/// escaping, RFC 3339 UTC timestamps to the millisecond), without the serializer's per-property converter dispatch.
/// Every event is written at least once (the durable log), often once per broker sink more, so this is on the path
/// of every event; EventEnvelopeTests holds it to the serializer's output.
/// </summary>
internal static class EnvelopeJsonWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = EventJson.Options.Encoder, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>A thread's buffer is kept for the next envelope unless one made it grow past this.</summary>
    private const int KeptBufferBytes = 64 * 1024;

    public static string ToJsonString(EventEnvelope envelope)
    {
        var json = Encoding.UTF8.GetString(Write(envelope));
        ReleaseIfLarge();
        return json;
    }

    public static byte[] ToUtf8Bytes(EventEnvelope envelope)
    {
        var json = Write(envelope).ToArray();
        ReleaseIfLarge();
        return json;
    }

    /// <summary>
    /// The envelope as one server-sent event (WHATWG HTML, 9.2): <c>id: {event id}\ndata: {envelope JSON}\n\n</c>. The JSON
    /// is written on one line (the writer escapes line breaks inside strings), as a data line must be.
    /// </summary>
    public static byte[] ToServerSentEvent(EventEnvelope envelope)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        // An id that would break the frame (a line break; a NUL, which a browser ignores an id for) is left out; the data
        // carries it anyway. The server's own ids are UUIDs.
        if (envelope.Event.Id.AsSpan().IndexOfAny('\r', '\n', '\0') < 0)
        {
            buffer.Write("id: "u8);
            Encoding.UTF8.GetBytes(envelope.Event.Id, buffer);
            buffer.Write("\n"u8);
        }

        buffer.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, envelope);
        }

        buffer.Write("\n\n"u8);
        var frame = buffer.WrittenSpan.ToArray();
        ReleaseIfLarge();
        return frame;
    }

    /// <summary>Appends the envelope's JSON to <paramref name="buffer"/> (the caller's own, kept between envelopes).</summary>
    public static void WriteTo(EventEnvelope envelope, IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        Write(writer, envelope);
    }

    private static void ReleaseIfLarge()
    {
        if (t_buffer is { Capacity: > KeptBufferBytes })
        {
            t_buffer = null;
        }
    }

    private static ReadOnlySpan<byte> Write(EventEnvelope envelope)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, envelope);
        }

        return buffer.WrittenSpan;
    }

    private static void Write(Utf8JsonWriter writer, EventEnvelope envelope)
    {
        var e = envelope.Event;
        writer.WriteStartObject();
        writer.WriteStartObject("event"u8);
        writer.WriteString("id"u8, e.Id);
        writer.WriteString("event_type"u8, EventTypeNames.Name(e.EventType));
        WriteTimestamp(writer, "timestamp"u8, e.Timestamp);
        writer.WriteString("severity"u8, EventSeverityNames.Name(e.Severity));
        WriteNullable(writer, "user_id"u8, e.UserId);
        WriteNullable(writer, "client_id"u8, e.ClientId);
        WriteDictionary(writer, "metadata"u8, e.Metadata);
        WriteNullable(writer, "error"u8, e.Error);
        writer.WriteEndObject();
        WriteNullable(writer, "idempotency_key"u8, envelope.IdempotencyKey);
        WriteNullable(writer, "traceparent"u8, envelope.Traceparent);
        WriteNullable(writer, "tracestate"u8, envelope.Tracestate);
        WriteNullable(writer, "correlation_id"u8, envelope.CorrelationId);
        writer.WriteString("producer"u8, envelope.Producer);
        WriteTimestamp(writer, "produced_at"u8, envelope.ProducedAt);
        WriteDictionary(writer, "attributes"u8, envelope.Attributes);
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteDictionary(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyDictionary<string, string>? values)
    {
        if (values is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartObject(name);
        foreach (var (key, value) in values)
        {
            writer.WritePropertyName(key);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(value);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>As <see cref="EventJson"/>'s timestamp converter: <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> in UTC.</summary>
    private static void WriteTimestamp(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DateTimeOffset value)
    {
        Span<byte> text = stackalloc byte[24];
        value.UtcDateTime.TryFormat(text, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        writer.WriteString(name, text[..written]);
    }
}
