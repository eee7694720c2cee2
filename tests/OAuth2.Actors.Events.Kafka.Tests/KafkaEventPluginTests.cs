using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>The plugin on its own, against the mock cluster (or no broker at all).</summary>
public sealed class KafkaEventPluginTests
{
    [Fact]
    public async Task Kafka_plugin_must_deliver_a_batch_and_count_every_delivery_report()
    {
        var (brokers, topic) = KafkaBrokers.MockTopic("oauth2-plugin-batch");
        var (plugin, problem) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = brokers, Topic = topic });
        Assert.Null(problem);
        using var _ = plugin;

        Assert.True(plugin!.Idempotent);
        Assert.True(plugin.SendsHeaders);
        Assert.Equal(new EventPluginOptions { MaxBatch = 2000, Parallelism = 4, RetryUntilDelivered = true, MinBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(3) }, plugin.Options);

        var batch = Enumerable.Range(0, 500).Select(i => TestEnvelopes.Create(EventType.TokenCreated, correlationId: $"batch-{i}", traceparent: BrokerFlows.Traceparent)).ToList();
        await plugin.EmitBatchAsync(batch, CancellationToken.None);
        await plugin.EmitAsync(TestEnvelopes.Create(EventType.ClientRegistered, idempotencyKey: "single-key"), CancellationToken.None);

        Assert.Equal(501, plugin.Delivered);
        Assert.Equal(501, plugin.Produced);
        Assert.Equal(0, plugin.FailedReports);
        Assert.True(await plugin.HealthCheckAsync(CancellationToken.None));

        var records = await KafkaTopicReader.ReadUntil(brokers, topic, legacyBroker: false, r => r.Count >= 501, TimeSpan.FromSeconds(30), "501 records");
        Assert.Equal(501, records.Count);
        Assert.Contains(records, r => r.Key == "single-key" && r.Headers["event_type"] == "client_registered");
        var first = records.Single(r => r.Key == batch[0].Event.Id);
        Assert.Equal(EventJson.Serialize(batch[0]), first.Value);
        Assert.Equal("batch-0", first.Headers["correlation_id"]);
        Assert.Equal(BrokerFlows.Traceparent, first.Headers["traceparent"]);
    }

    [Fact]
    public async Task Kafka_plugin_must_fail_a_batch_and_report_unhealthy_when_no_broker_answers()
    {
        // Port 9 (discard) on loopback: nothing listens, connections are refused.
        var (plugin, _) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = "127.0.0.1:9", Topic = "nowhere", MessageTimeout = TimeSpan.FromSeconds(1), HealthTimeout = TimeSpan.FromMilliseconds(300) });
        using var _ = plugin;

        var error = await Assert.ThrowsAsync<KafkaDeliveryException>(() => plugin!.EmitBatchAsync([TestEnvelopes.Create(EventType.TokenCreated), TestEnvelopes.Create(EventType.TokenRevoked)], CancellationToken.None));
        Assert.Contains("2 of 2 event(s) not delivered", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, plugin!.FailedReports);
        Assert.False(await plugin.HealthCheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Kafka_plugin_must_not_resend_what_an_abandoned_attempt_of_the_same_batch_delivered()
    {
        var (brokers, topic) = KafkaBrokers.MockTopic("oauth2-plugin-retry");
        var (plugin, _) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = brokers, Topic = topic });
        using var _ = plugin;
        var batch = Enumerable.Range(0, 50).Select(_ => TestEnvelopes.Create(EventType.TokenValidated)).ToList();

        // The sink gives up waiting (here: at once) while the messages are in librdkafka's hands...
        using (var abandoned = new CancellationTokenSource())
        {
            await abandoned.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plugin!.EmitBatchAsync(batch, abandoned.Token));
        }

        Assert.Equal(50, plugin!.Produced);

        // ...and retries the same batch: the retry waits for librdkafka's verdict on the first attempt and sends nothing twice.
        await plugin.EmitBatchAsync(batch, CancellationToken.None);
        Assert.Equal(50, plugin.Produced);
        Assert.Equal(50, plugin.Delivered);

        // A new batch after a delivered one is sent in full.
        var next = Enumerable.Range(0, 10).Select(_ => TestEnvelopes.Create(EventType.TokenValidated)).ToList();
        await plugin.EmitBatchAsync(next, CancellationToken.None);
        Assert.Equal(60, plugin.Produced);

        var records = await KafkaTopicReader.ReadUntil(brokers, topic, legacyBroker: false, r => r.Count >= 60, TimeSpan.FromSeconds(30), "60 records");
        Assert.Equal(60, records.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("api.version.request=false,broker.version.fallback=0.9.0.1", "0.9.0.1")]
    [InlineData("api.version.request=false", "0.10.0")]
    [InlineData("broker.version.fallback=0.10.2", "0.10.2")]
    [InlineData("api.version.request=false,broker.version.fallback=0.10.2,enable.idempotence=true", "0.10.2")]
    public void Kafka_plugin_must_turn_idempotence_and_headers_off_with_a_warning_for_a_broker_older_than_0_11(string config, string fallback)
    {
        var logs = new Logs();
        var (plugin, problem) = KafkaEventPlugin.Create(
            new KafkaSinkOptions { Brokers = "127.0.0.1:9", Config = KafkaSinkOptions.ParseConfig(config).Config! },
            logs.CreateLogger("kafka"));
        using var _ = plugin;

        Assert.Null(problem);
        Assert.False(plugin!.Idempotent);
        Assert.False(plugin.SendsHeaders);
        var warning = Assert.Single(logs.Warnings, w => w.StartsWith("Kafka sink: broker.version.fallback", StringComparison.Ordinal));
        Assert.Contains($"broker.version.fallback={fallback}", warning, StringComparison.Ordinal);
        Assert.Contains("WITHOUT idempotence", warning, StringComparison.Ordinal);
        Assert.Contains("WITHOUT headers", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("broker.version.fallback=0.11.0")]
    [InlineData("api.version.request=false,broker.version.fallback=2.8.0")]
    public void Kafka_plugin_must_keep_idempotence_and_headers_for_a_modern_broker(string config)
    {
        var logs = new Logs();
        var (plugin, _) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = "127.0.0.1:9", Config = KafkaSinkOptions.ParseConfig(config).Config! }, logs.CreateLogger("kafka"));
        using var _ = plugin;

        Assert.True(plugin!.Idempotent);
        Assert.True(plugin.SendsHeaders);
        Assert.DoesNotContain(logs.Warnings, w => w.Contains("older than 0.11", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("no.such.property=1", "No such configuration property")]
    [InlineData("acks=1", "acks")]
    [InlineData("broker.version.fallback=banana", "broker.version.fallback must be a version")]
    public void Kafka_plugin_must_answer_why_librdkafka_refuses_a_configuration(string config, string expected)
    {
        var (plugin, problem) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = "127.0.0.1:9", Config = KafkaSinkOptions.ParseConfig(config).Config! });
        Assert.Null(plugin);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Kafka_plugin_must_not_echo_a_refused_value()
    {
        var (plugin, problem) = KafkaEventPlugin.Create(new KafkaSinkOptions { Brokers = "127.0.0.1:9", Config = new Dictionary<string, string> { ["message.max.bytes"] = "secret-looking-value" } });
        Assert.Null(plugin);
        Assert.True(problem!.Contains("message.max.bytes", StringComparison.Ordinal), problem);
        Assert.DoesNotContain("secret-looking-value", problem, StringComparison.Ordinal);
    }

    private sealed class Logs : ILoggerFactory
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyList<string> Warnings => _warnings.ToArray();

        public ILogger CreateLogger(string categoryName) => new Logger(_warnings);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    warnings.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
