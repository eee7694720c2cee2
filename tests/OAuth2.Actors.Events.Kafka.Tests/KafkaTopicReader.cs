using System.Text;
using Confluent.Kafka;
using Xunit;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>One record as an independent consumer reads it back.</summary>
public sealed record KafkaRecord(string Key, string Value, IReadOnlyDictionary<string, string> Headers, int Partition, long Offset);

/// <summary>
/// An independent Kafka consumer (no consumer group: every partition assigned from the beginning) that reads a topic
/// until the records satisfy a condition.
/// </summary>
public static class KafkaTopicReader
{
    public static Task<IReadOnlyList<KafkaRecord>> ReadUntil(string brokers, string topic, bool legacyBroker, Func<IReadOnlyList<KafkaRecord>, bool> done, TimeSpan within, string what) =>
        Task.Factory.StartNew(() => Read(brokers, topic, legacyBroker, done, within, what), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static IReadOnlyList<KafkaRecord> Read(string brokers, string topic, bool legacyBroker, Func<IReadOnlyList<KafkaRecord>, bool> done, TimeSpan within, string what)
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

        var deadline = DateTime.UtcNow + within;
        var partitions = Partitions(config, topic, deadline, what);
        var records = new List<KafkaRecord>();
        using var consumer = new ConsumerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        while (!done(records))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Kafka topic {topic}: {what} not seen within {within}; {records.Count} record(s) read");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(250));
            if (result is null || result.IsPartitionEOF)
            {
                continue;
            }

            var headers = (result.Message.Headers ?? []).ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()), StringComparer.Ordinal);
            records.Add(new KafkaRecord(result.Message.Key, Encoding.UTF8.GetString(result.Message.Value), headers, result.Partition.Value, result.Offset.Value));
        }

        consumer.Close();
        return records;
    }

    private static List<int> Partitions(ConsumerConfig config, string topic, DateTime deadline, string what)
    {
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        while (true)
        {
            try
            {
                var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
                var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
                if (found is { Error.Code: ErrorCode.NoError } && found.Partitions.Count > 0)
                {
                    return found.Partitions.Select(p => p.PartitionId).ToList();
                }
            }
            catch (KafkaException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Kafka topic {topic} did not appear ({what})");
            }

            Thread.Sleep(200);
        }
    }
}
