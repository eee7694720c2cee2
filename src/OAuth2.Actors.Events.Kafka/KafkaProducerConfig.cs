using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// The librdkafka producer configuration the sink runs with: its defaults (acks=all, idempotence, small linger,
/// message.timeout.ms under the plugin timeout), the pass-through settings over them, the dedicated settings over
/// those, and what a broker older than 0.11 takes away. Every adjustment a user did not ask for is logged.
/// </summary>
internal static partial class KafkaProducerConfig
{
    /// <summary>The configuration for <paramref name="options"/>, and whether it speaks to a pre-0.11 broker; or the problem.</summary>
    public static (ProducerConfig? Config, bool Legacy, string? Problem) For(KafkaSinkOptions options, ILogger logger)
    {
        var config = new ProducerConfig
        {
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
            BatchNumMessages = 10_000,
            BatchSize = 1_000_000,
            MessageTimeoutMs = (int)options.MessageTimeout.TotalMilliseconds,
            QueueBufferingMaxMessages = 1_000_000,
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 2_000,
            SocketKeepaliveEnable = true,
            LogConnectionClose = false,
            // The handler reads the error and persistence status only: no key, value or headers copied back.
            DeliveryReportFields = "status",
        };
        foreach (var (key, value) in options.Config)
        {
            config.Set(key, value);
        }

        // The dedicated settings win over the pass-through.
        foreach (var key in new[] { "bootstrap.servers", "client.id" })
        {
            if (options.Config.ContainsKey(key))
            {
                LogOverridden(logger, key, key == "client.id" ? KafkaSinkOptions.ClientIdKey : KafkaSinkOptions.BrokersKey);
            }
        }

        config.BootstrapServers = options.Brokers;
        config.ClientId = options.ClientId;

        var (legacy, fallback, problem) = LegacyBroker(config);
        if (problem is not null)
        {
            return (null, false, problem);
        }

        if (legacy)
        {
            config.EnableIdempotence = false;
            LogLegacyBroker(logger, fallback, config.Get("api.version.request") ?? "true", config.Get("acks") is "-1" or null ? "all" : config.Get("acks")!);
        }

        var messageTimeout = config.Get("delivery.timeout.ms") ?? config.Get("message.timeout.ms");
        if (int.TryParse(messageTimeout, NumberStyles.Integer, CultureInfo.InvariantCulture, out var timeoutMs) && timeoutMs >= options.PluginTimeout.TotalMilliseconds)
        {
            LogLongMessageTimeout(logger, timeoutMs, (int)options.PluginTimeout.TotalMilliseconds);
        }

        return (config, legacy, null);
    }

    private static (bool Legacy, string Fallback, string? Problem) LegacyBroker(ProducerConfig config)
    {
        var explicitFallback = config.Get("broker.version.fallback");
        var fallback = explicitFallback ?? "0.10.0";
        var apiVersionRequest = config.Get("api.version.request") ?? "true";
        if (!Version.TryParse(fallback, out var version))
        {
            return (false, fallback, "broker.version.fallback must be a version such as 0.9.0.1");
        }

        var old = version < new Version(0, 11);
        var requestOff = apiVersionRequest.Trim().ToLowerInvariant() is "false" or "0" or "no" or "off";
        return ((explicitFallback is not null && old) || (requestOff && old), fallback, null);
    }

    [LoggerMessage(EventId = 1, EventName = "KafkaLegacyBroker", Level = LogLevel.Warning, Message = "Kafka sink: broker.version.fallback={Fallback} with api.version.request={ApiVersionRequest} means a broker older than 0.11: it has no idempotent producer and no record headers. Producing WITHOUT idempotence (acks={Acks}; a retried batch may duplicate events downstream: deduplicate by key) and WITHOUT headers (event_type, correlation_id and traceparent are still in the JSON value)")]
    private static partial void LogLegacyBroker(ILogger logger, string fallback, string apiVersionRequest, string acks);

    [LoggerMessage(EventId = 2, EventName = "KafkaConfigOverridden", Level = LogLevel.Warning, Message = "Kafka sink: {Property} in OAUTH2_EVENTS_KAFKA_CONFIG is ignored; {Variable} sets it")]
    private static partial void LogOverridden(ILogger logger, string property, string variable);

    [LoggerMessage(EventId = 3, EventName = "KafkaLongMessageTimeout", Level = LogLevel.Warning, Message = "Kafka sink: message.timeout.ms={Timeout} is not below the plugin timeout ({PluginTimeout} ms, OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS): the sink gives up waiting on a batch before librdkafka does, and its retry first waits for librdkafka's verdict")]
    private static partial void LogLongMessageTimeout(ILogger logger, int timeout, int pluginTimeout);
}
