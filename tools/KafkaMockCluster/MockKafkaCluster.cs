using Confluent.Kafka;

namespace OAuth2.Actors.Tools.KafkaMockCluster;

/// <summary>
/// librdkafka's mock cluster: a Kafka-protocol broker implemented inside librdkafka for its own tests (headers,
/// idempotent producer, consumer groups, auto-created topics). It lives as long as the client handle that created
/// it, listens on an ephemeral port on 127.0.0.1, and keeps everything in memory.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private readonly IProducer<Null, Null> _owner;

    private MockKafkaCluster(IProducer<Null, Null> owner, string bootstrapServers)
    {
        _owner = owner;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>host:port[,host:port...] of the mock brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts <paramref name="brokers"/> mock brokers; topics are auto-created with 4 partitions.</summary>
    public static MockKafkaCluster Start(int brokers = 1)
    {
        var config = new ProducerConfig
        {
            ClientId = "kafka-mock-cluster",
            // The owning client never produces; keep its own chatter quiet.
            LogConnectionClose = false,
        };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var owner = new ProducerBuilder<Null, Null>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        try
        {
            using var admin = new DependentAdminClientBuilder(owner.Handle).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            if (metadata.Brokers.Count == 0)
            {
                throw new InvalidOperationException("The mock cluster reported no brokers.");
            }

            var servers = string.Join(",", metadata.Brokers.OrderBy(b => b.BrokerId).Select(b => $"{b.Host}:{b.Port}"));
            return new MockKafkaCluster(owner, servers);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    public void Dispose() => _owner.Dispose();
}
