namespace OAuth2.Actors.Events;

/// <summary>
/// How a sink writes an event: our own <see cref="EventEnvelope"/> JSON (the default), CloudEvents 1.0 in binary mode
/// (attributes in the transport's headers: <c>ce-*</c> on HTTP, <c>ce_*</c> on Kafka, <c>cloudEvents_*</c> on AMQP;
/// where the transport has no headers, structured), or CloudEvents in structured mode (one
/// <c>application/cloudevents+json</c> document). From OAUTH2_EVENTS_SINK_{SINK}_FORMAT, or a webhook endpoint's
/// <c>format</c>.
/// </summary>
public enum EventFormat
{
    Envelope,
    CloudEvents,
    CloudEventsStructured,
}

public static class EventFormats
{
    /// <summary>The accepted spellings, as written in configuration and in the admin API.</summary>
    public const string Names = "envelope, cloudevents, cloudevents-structured";

    public static string Name(EventFormat format) => format switch
    {
        EventFormat.Envelope => "envelope",
        EventFormat.CloudEvents => "cloudevents",
        EventFormat.CloudEventsStructured => "cloudevents-structured",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static bool TryParse(string? value, out EventFormat format)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "envelope":
                format = EventFormat.Envelope;
                return true;
            case "cloudevents":
            case "cloudevents-binary":
                format = EventFormat.CloudEvents;
                return true;
            case "cloudevents-structured":
                format = EventFormat.CloudEventsStructured;
                return true;
            default:
                format = EventFormat.Envelope;
                return false;
        }
    }
}
