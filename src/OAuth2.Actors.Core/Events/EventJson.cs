using System.Text.Json;
using System.Text.Json.Serialization;

namespace OAuth2.Actors.Events;

/// <summary>The one JSON form of envelopes, used by every sink and by the HTTP endpoints.</summary>
public static class EventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // The seed's envelope writes nulls explicitly ("error": null, "tracestate": null).
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        AllowDuplicateProperties = false,
        Converters = { new UtcTimestampConverter() },
    };

    /// <summary>The JSON Schema (2020-12) of the envelope, shipped with the library.</summary>
    public static string Schema()
    {
        using var stream = typeof(EventJson).Assembly.GetManifestResourceStream("OAuth2.Actors.Events.event-envelope.schema.json")
            ?? throw new InvalidOperationException("The envelope schema is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The envelope's JSON, as <c>JsonSerializer.Serialize(envelope, Options)</c> writes it (<see cref="EnvelopeJsonWriter"/>, faster).</summary>
    public static string Serialize(EventEnvelope envelope) => EnvelopeJsonWriter.ToJsonString(envelope);

    public static byte[] SerializeToUtf8(EventEnvelope envelope) => EnvelopeJsonWriter.ToUtf8Bytes(envelope);

    /// <summary>The same JSON as <see cref="Serialize"/>, as UTF-8 appended to <paramref name="buffer"/>: no string, no array per envelope.</summary>
    public static void SerializeTo(EventEnvelope envelope, System.Buffers.IBufferWriter<byte> buffer) => EnvelopeJsonWriter.WriteTo(envelope, buffer);

    /// <summary>RFC 3339 UTC timestamps ("2024-01-15T10:30:00.123Z").</summary>
    private sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value)
                ? value
                : throw new JsonException("Timestamps must be RFC 3339 strings.");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}
