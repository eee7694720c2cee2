using System.Text;
using Confluent.Kafka;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>One record as an independent consumer reads it back.</summary>
public sealed record KafkaRecord(string Key, string Value, IReadOnlyDictionary<string, string> Headers, int Partition, long Offset);

/// <summary>
/// An independent Kafka consumer (no consumer group: every partition assigned from the beginning) that reads a topic
/// until the records satisfy a condition, waiting through <see cref="Eventually"/> with a deadline.
/// </summary>
public static class KafkaTopicReader
{
    public static async Task<IReadOnlyList<KafkaRecord>> ReadUntil(string brokers, string topic, bool legacyBroker, Func<IReadOnlyList<KafkaRecord>, bool> done, TimeSpan within, string what)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = brokers,
            GroupId = "oauth2-kafka-tests-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            ClientId = "oauth2-kafka-tests-reader",
            LogConnectionClose = false,
        };
        if (legacyBroker)
        {
            config.ApiVersionRequest = false;
            config.BrokerVersionFallback = "0.9.0.1";
        }

        var started = DateTimeOffset.UtcNow;
        var partitions = await Partitions(config, topic, within, what);
        var records = new List<KafkaRecord>();
        using var consumer = new ConsumerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        await Eventually.Until(
            () => Task.Run(() => ConsumeAvailable(consumer, records)),
            done,
            $"Kafka topic {topic}: {what}",
            within - (DateTimeOffset.UtcNow - started));
        consumer.Close();
        return records;
    }

    /// <summary>Adds what the consumer has to <paramref name="records"/> (a quarter of a second's worth at the most).</summary>
    private static IReadOnlyList<KafkaRecord> ConsumeAvailable(IConsumer<string, byte[]> consumer, List<KafkaRecord> records)
    {
        var until = DateTimeOffset.UtcNow.AddMilliseconds(250);
        while (DateTimeOffset.UtcNow < until && consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } result)
        {
            if (!result.IsPartitionEOF)
            {
                var headers = (result.Message.Headers ?? []).ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()), StringComparer.Ordinal);
                records.Add(new KafkaRecord(result.Message.Key, Encoding.UTF8.GetString(result.Message.Value), headers, result.Partition.Value, result.Offset.Value));
            }
        }

        return records;
    }

    /// <summary>The topic's partitions, once the topic exists.</summary>
    private static async Task<IReadOnlyList<int>> Partitions(ConsumerConfig config, string topic, TimeSpan within, string what)
    {
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        return (await Eventually.Until(
            () => Task.Run(() =>
            {
                try
                {
                    var found = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == topic);
                    return found is { Error.Code: ErrorCode.NoError } && found.Partitions.Count > 0 ? found.Partitions.Select(p => p.PartitionId).ToArray() : null;
                }
                catch (KafkaException)
                {
                    return null;
                }
            }),
            partitions => partitions is not null,
            $"Kafka topic {topic} to appear ({what})",
            within))!;
    }
}
