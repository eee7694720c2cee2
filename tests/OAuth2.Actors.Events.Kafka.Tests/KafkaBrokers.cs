using OAuth2.Actors.Tools.KafkaMockCluster;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>
/// Where the Kafka tests find their brokers. The mock cluster (modern protocol) is OAUTH2_TEST_KAFKA_MOCK_BROKERS
/// when .ci/services/kafka.sh started it as a process, else one started in this process (librdkafka ships it, so
/// it is always there). The real Apache Kafka 0.9.0.1 broker is OAUTH2_TEST_KAFKA_BROKERS: missing, a test is
/// skipped with the reason, or fails in CI.
/// </summary>
public static class KafkaBrokers
{
    public const string Script = ".ci/services/kafka.sh";

    /// <summary>The client settings a 0.9 broker needs (no ApiVersion request).</summary>
    public const string LegacyConfig = "api.version.request=false,broker.version.fallback=0.9.0.1";

    private static readonly Lazy<MockKafkaCluster> InProcess = new(() => MockKafkaCluster.Start());

    public static string Mock()
    {
        var external = Environment.GetEnvironmentVariable("OAUTH2_TEST_KAFKA_MOCK_BROKERS");
        return string.IsNullOrWhiteSpace(external) ? InProcess.Value.BootstrapServers : external.Trim();
    }

    public static string Real() => BrokerEnvironment.Require("OAUTH2_TEST_KAFKA_BROKERS", "Apache Kafka 0.9.0.1 broker", Script);

    /// <summary>A topic no other test writes to.</summary>
    public static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>The mock cluster and a topic of the test's own on it.</summary>
    public static (string Brokers, string Topic) MockTopic(string prefix) => (Mock(), NewTopic(prefix));

    /// <summary>The real 0.9.0.1 broker (or a skip, a failure in CI) and a topic of the test's own on it.</summary>
    public static (string Brokers, string Topic) RealTopic(string prefix) => (Real(), NewTopic(prefix));

    /// <summary>Stops (stop-broker) and starts (start-broker) the real broker through the service script; its state directory names the processes.</summary>
    public static ServiceScript Control() => new(
        BrokerEnvironment.Require("OAUTH2_TEST_KAFKA_CONTROL", "Kafka broker control (stop-broker/start-broker)", Script),
        new Dictionary<string, string> { ["OAUTH2_KAFKA_STATE_DIR"] = BrokerEnvironment.Require("OAUTH2_TEST_KAFKA_STATE", "Kafka broker control (stop-broker/start-broker)", Script) });
}
