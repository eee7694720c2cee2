using System.Text;
using OAuth2.Actors.Events.CloudEvents;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>
/// The Kafka sink in the CloudEvents formats, per the CloudEvents Kafka binding: binary mode (<c>ce_*</c> headers,
/// <c>content-type</c>, value = data) and structured mode, record key = <c>partitionkey</c>; read back from the mock
/// cluster by an independent consumer.
/// </summary>
public sealed class KafkaCloudEventsTests
{
    /// <summary>The Kafka sink in <paramref name="format"/> produces the envelopes to a fresh mock-cluster topic; its records, read back.</summary>
    private static async Task<IReadOnlyList<KafkaRecord>> ProduceAndRead(string topicPrefix, EventFormat format, EventEnvelope[] envelopes)
    {
        var (brokers, topic) = KafkaBrokers.MockTopic(topicPrefix);
        var (plugin, problem) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = brokers, Topic = topic, Format = format, Source = CloudEventChecks.Source });
        Assert.Null(problem);
        using var _ = plugin;

        await plugin!.EmitBatchAsync(envelopes, CancellationToken.None);

        return await KafkaTopicReader.ReadUntil(brokers, topic, legacyBroker: false, r => r.Count >= envelopes.Length, TimeSpan.FromSeconds(30), "every event");
    }

    [Theory]
    [InlineData(EventFormat.CloudEvents)]
    [InlineData(EventFormat.CloudEventsStructured)]
    public async Task Kafka_sink_in_a_CloudEvents_format_must_produce_records_the_Kafka_binding_reads_back(EventFormat format)
    {
        var envelopes = new[] { CloudEventChecks.Rich(), CloudEventChecks.Bare(), CloudEventChecks.Rich(EventType.AuthorizationCodeCreated) };

        var records = await ProduceAndRead("oauth2-ce", format, envelopes);
        Assert.Equal(envelopes.Length, records.Count);
        foreach (var record in records)
        {
            var decoded = format == EventFormat.CloudEvents
                ? CloudEventChecks.FromBinary(
                    record.Headers.Select(h => new KeyValuePair<string, byte[]>(h.Key, Encoding.UTF8.GetBytes(h.Value))),
                    KafkaCloudEventsBinding.HeaderPrefix,
                    record.Headers[KafkaCloudEventsBinding.ContentTypeHeader],
                    Encoding.UTF8.GetBytes(record.Value))
                : CloudEventChecks.FromStructured(Encoding.UTF8.GetBytes(record.Value), record.Headers[KafkaCloudEventsBinding.ContentTypeHeader]);
            var envelope = envelopes.Single(e => e.Event.Id == decoded.Id);
            CloudEventChecks.AssertMatches(envelope, decoded);
            Assert.Equal(EventCloudEvents.Subject(envelope.Event), string.IsNullOrEmpty(record.Key) ? null : record.Key);
            if (format == EventFormat.CloudEventsStructured)
            {
                Assert.Equal([KafkaCloudEventsBinding.ContentTypeHeader], record.Headers.Keys);
            }
        }

        // The record keys of the bare envelope: none (no subject, no partitionkey).
        Assert.Contains(records, r => string.IsNullOrEmpty(r.Key));
    }

    /// <summary>Each record decoded by the npm cloudevents package's Kafka binding (Kafka.toEvent), its output read with the SDK.</summary>
    [SkippableTheory]
    [InlineData(EventFormat.CloudEvents)]
    [InlineData(EventFormat.CloudEventsStructured)]
    public async Task Kafka_sink_records_must_decode_with_the_npm_cloudevents_Kafka_binding(EventFormat format)
    {
        var envelopes = new[] { CloudEventChecks.Rich(), CloudEventChecks.Bare() };

        var records = await ProduceAndRead("oauth2-ce-npm", format, envelopes);
        foreach (var record in records)
        {
            var json = await NpmKafkaBinding.ToEvent(record);
            var decoded = CloudEventChecks.FromStructured(Encoding.UTF8.GetBytes(json));
            CloudEventChecks.AssertMatches(envelopes.Single(e => e.Event.Id == decoded.Id), decoded);
        }
    }
}
