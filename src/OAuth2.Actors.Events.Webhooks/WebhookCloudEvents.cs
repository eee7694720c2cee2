using System.Text;
using OAuth2.Actors.Events.CloudEvents;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// The CloudEvents HTTP binding of a delivery: binary mode (each context attribute in a <c>ce-</c> header, the event's
/// data as the body, <c>content-type: application/json</c>) or structured mode (the whole event as one
/// <c>application/cloudevents+json</c> document). Attribute values are percent-encoded as the binding requires
/// (UTF-8 bytes outside printable ASCII, and <c>"</c> and <c>%</c>).
/// </summary>
internal static class WebhookCloudEvents
{
    public const string HeaderPrefix = "ce-";

    public static WebhookPayload Of(EventEnvelope envelope, EventFormat format, Uri source) => format switch
    {
        EventFormat.CloudEvents => new WebhookPayload(
            EventCloudEvents.Data(envelope),
            EventCloudEvents.DataContentType,
            EventCloudEvents.BinaryAttributes(envelope, source).Select(a => new KeyValuePair<string, string>(HeaderPrefix + a.Key, EncodeHeaderValue(a.Value))).ToArray()),
        EventFormat.CloudEventsStructured => new WebhookPayload(EventCloudEvents.Structured(envelope, source), EventCloudEvents.StructuredContentType, []),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>HTTP binding 3.1.3.2: percent-encodes what a header may not carry as it is.</summary>
    public static string EncodeHeaderValue(string value)
    {
        var plain = true;
        foreach (var c in value)
        {
            if (c < ' ' || c > '~' || c == '"' || c == '%')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return value;
        }

        var encoded = new StringBuilder(value.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b < 0x20 || b > 0x7E || b == '"' || b == '%')
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                encoded.Append((char)b);
            }
        }

        return encoded.ToString();
    }
}
