using System.Diagnostics;
using OAuth2.Actors.Events.Tests.Support;
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

    /// <summary>Stops and starts the real broker through the service script (its state directory names the processes).</summary>
    public static BrokerControl Control() => new(
        BrokerEnvironment.Require("OAUTH2_TEST_KAFKA_CONTROL", "Kafka broker control (stop-broker/start-broker)", Script),
        BrokerEnvironment.Require("OAUTH2_TEST_KAFKA_STATE", "Kafka broker control (stop-broker/start-broker)", Script));

    public sealed class BrokerControl(string script, string stateDirectory)
    {
        public Task StopBroker() => Run("stop-broker");

        public Task StartBroker() => Run("start-broker");

        private async Task Run(string command)
        {
            var start = new ProcessStartInfo("bash", [script, command])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["OAUTH2_KAFKA_STATE_DIR"] = stateDirectory;
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {script}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{script} {command} did not finish within 3 minutes");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{script} {command} exited {process.ExitCode}: {await stdout}{await stderr}");
            }
        }
    }
}
