using System.Text;
using Confluent.Kafka;
using OAuth2.Actors.Events.CloudEvents;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// The CloudEvents Kafka protocol binding (1.0), written against the specification's tables: in binary mode every
/// context attribute is a <c>ce_{name}</c> header (UTF-8 text), <c>datacontenttype</c> is the <c>content-type</c>
/// header and the value is the data; in structured mode the value is the <c>application/cloudevents+json</c> document
/// and <c>content-type</c> says so. In both the record key is the <c>partitionkey</c> (the subject; none when the event
/// has neither user nor client).
/// </summary>
public sealed class KafkaCloudEventsBinding
{
    public const string HeaderPrefix = "ce_";
    public const string ContentTypeHeader = "content-type";

    private static readonly byte[] DataContentTypeBytes = Encoding.UTF8.GetBytes(EventCloudEvents.DataContentType);
    private static readonly byte[] StructuredContentTypeBytes = Encoding.UTF8.GetBytes(EventCloudEvents.StructuredContentType);

    private readonly Uri _source;
    private readonly bool _structured;
    private readonly bool _headers;

    /// <param name="format">CloudEvents (binary) or CloudEvents structured.</param>
    /// <param name="headers">False against a broker older than 0.11: then binary mode cannot be written and structured is, without headers.</param>
    public KafkaCloudEventsBinding(EventFormat format, Uri source, bool headers = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (format == EventFormat.Envelope)
        {
            throw new ArgumentException("The envelope format is not a CloudEvents binding.", nameof(format));
        }

        _source = source;
        _headers = headers;
        _structured = format == EventFormat.CloudEventsStructured || !headers;
    }

    /// <summary>True when the messages are structured (asked for, or forced by a broker without headers).</summary>
    public bool Structured => _structured;

    public Message<string, byte[]> ToMessage(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var key = EventCloudEvents.Subject(envelope.Event);
        if (_structured)
        {
            return new Message<string, byte[]>
            {
                Key = key!,
                Value = EventCloudEvents.AsArray(EventCloudEvents.Structured(envelope, _source)),
                Headers = _headers ? new Headers { { ContentTypeHeader, StructuredContentTypeBytes } } : null,
            };
        }

        var headers = new Headers { { ContentTypeHeader, DataContentTypeBytes } };
        foreach (var (name, value) in EventCloudEvents.BinaryAttributes(envelope, _source))
        {
            headers.Add(HeaderPrefix + name, Encoding.UTF8.GetBytes(value));
        }

        return new Message<string, byte[]>
        {
            Key = key!,
            Value = EventCloudEvents.AsArray(EventCloudEvents.Data(envelope)),
            Headers = headers,
        };
    }
}
