using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// What the Kafka sink needs: brokers, topic, client id, librdkafka settings passed through, the format
/// (OAUTH2_EVENTS_SINK_KAFKA_FORMAT), and how the sink actor drives the producer. Built from OAUTH2_EVENTS_KAFKA_* by <see cref="FromConfiguration"/>, or by hand for
/// <see cref="BrokerEventSinkHostingExtensions.WithBrokerEventSink"/>.
/// </summary>
public sealed partial record KafkaSinkOptions : BrokerSinkOptions, IBrokerSinkOptions<KafkaSinkOptions>
{
    public const string BrokersKey = "OAUTH2_EVENTS_KAFKA_BROKERS";
    public const string TopicKey = "OAUTH2_EVENTS_KAFKA_TOPIC";
    public const string ClientIdKey = "OAUTH2_EVENTS_KAFKA_CLIENT_ID";
    public const string ConfigKey = "OAUTH2_EVENTS_KAFKA_CONFIG";
    public const string MaxBatchKey = "OAUTH2_EVENTS_KAFKA_MAX_BATCH";
    public const string ParallelismKey = "OAUTH2_EVENTS_KAFKA_PARALLELISM";

    /// <summary>The host's plugin timeout: the producer's message.timeout.ms stays below it (see <see cref="MessageTimeout"/>).</summary>
    public const string PluginTimeoutKey = "OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS";

    public const string DefaultBrokers = "localhost:9092";
    public const string DefaultTopic = "oauth2-events";
    public const string DefaultClientId = "oauth2-actors";

    /// <summary>Comma-separated <c>host:port</c> list (librdkafka's bootstrap.servers).</summary>
    public string Brokers { get; init; } = DefaultBrokers;

    public string Topic { get; init; } = DefaultTopic;

    public string ClientId { get; init; } = DefaultClientId;

    /// <summary>Extra librdkafka settings, applied over the sink's defaults (acks, idempotence, linger, timeouts).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// librdkafka's message.timeout.ms unless the passed-through config sets it: how long a message may wait for
    /// delivery before its report says it failed and the sink retries the batch. Kept below the host's plugin
    /// timeout, so a batch fails in librdkafka before the sink gives up on it.
    /// </summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The host's plugin timeout (OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS): a message.timeout.ms at or above it is warned about.</summary>
    public TimeSpan PluginTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The metadata request behind the health check.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Batches of up to 2000 (they only form while the producer is busy), 4 in flight (each awaits all its delivery
    /// reports), retried after 200 ms to 3 s while the broker is unreachable.
    /// </summary>
    public KafkaSinkOptions()
        : base(maxBatch: 2000, parallelism: 4, minBackoff: TimeSpan.FromMilliseconds(200), maxBackoff: TimeSpan.FromSeconds(3))
    {
    }

    public static string BackendName => KafkaEventPlugin.BackendName;

    public static IReadOnlyList<string> BackendAliases => [];

    /// <summary>The producer for these options, or why they (or librdkafka) refuse it.</summary>
    public (IEventPlugin? Plugin, string? Problem) CreatePlugin(ILoggerFactory loggerFactory) =>
        KafkaEventPlugin.Create(this, loggerFactory.CreateLogger("OAuth2.Actors.Events.Kafka"));

    /// <summary>Reads OAUTH2_EVENTS_KAFKA_*; a value that cannot be used is the problem (the host then falls back to in_memory).</summary>
    public static (KafkaSinkOptions? Options, string? Problem) FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var (config, configProblem) = ParseConfig(configuration[ConfigKey]);
        if (config is null)
        {
            return (null, configProblem);
        }

        if (!TryWholeNumber(configuration, MaxBatchKey, 1, 100_000, out var maxBatch, out var problem)
            || !TryWholeNumber(configuration, ParallelismKey, 1, 64, out var parallelism, out problem)
            || !TryWholeNumber(configuration, PluginTimeoutKey, 10, 600_000, out var pluginTimeout, out problem)
            || !TryFormat(configuration, BackendName, BackendAliases, out var format, out var source, out problem))
        {
            return (null, problem);
        }

        var defaults = new KafkaSinkOptions();
        var pluginTimeoutMs = pluginTimeout ?? (long)defaults.PluginTimeout.TotalMilliseconds;
        var options = defaults with
        {
            Brokers = configuration[BrokersKey] ?? DefaultBrokers,
            Topic = configuration[TopicKey] ?? DefaultTopic,
            ClientId = configuration[ClientIdKey] ?? DefaultClientId,
            Config = config,
            MaxBatch = (int)(maxBatch ?? defaults.MaxBatch),
            Parallelism = (int)(parallelism ?? defaults.Parallelism),
            PluginTimeout = TimeSpan.FromMilliseconds(pluginTimeoutMs),
            Format = format,
            Source = source,
            // Under the plugin timeout (4/5 of it), at most 30 s.
            MessageTimeout = TimeSpan.FromMilliseconds(Math.Clamp(pluginTimeoutMs * 4 / 5, 100, 30_000)),
        };
        return Checked(options, options.Validate());
    }

    /// <summary>Why these options cannot be used, or null.</summary>
    public string? Validate()
    {
        var brokers = (Brokers ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        if (brokers.All(string.IsNullOrEmpty))
        {
            return $"{BrokersKey} is empty (expected host:port[,host:port...])";
        }

        foreach (var broker in brokers)
        {
            if (!IsBrokerAddress(broker))
            {
                return $"{BrokersKey} has a malformed entry '{broker}' (expected host:port[,host:port...])";
            }
        }

        if (string.IsNullOrEmpty(Topic) || Topic.Length > 249 || Topic is "." or ".." || !TopicName().IsMatch(Topic))
        {
            return $"{TopicKey} '{Topic}' is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)";
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            return $"{ClientIdKey} is empty";
        }

        return ValidateBatching();
    }

    /// <summary>
    /// Parses OAUTH2_EVENTS_KAFKA_CONFIG, "key=value,key=value" (librdkafka property names; a value may not contain
    /// a comma). Names are checked by librdkafka when the producer is built.
    /// </summary>
    public static (IReadOnlyDictionary<string, string>? Config, string? Problem) ParseConfig(string? value)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? entry[..equals].Trim() : string.Empty;
            if (key.Length == 0 || !PropertyName().IsMatch(key))
            {
                // The entry may hold a secret (sasl.password=...): name its position, never its text.
                return (null, $"{ConfigKey} entry {config.Count + 1} is not key=value (expected \"key=value,key=value\")");
            }

            config[key] = entry[(equals + 1)..].Trim();
        }

        return (config, null);
    }

    private static bool IsBrokerAddress(string broker)
    {
        var colon = broker.LastIndexOf(':');
        if (colon <= 0 || colon == broker.Length - 1)
        {
            return false;
        }

        var host = broker[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        // A protocol prefix (PLAINTEXT://host:port) is accepted by librdkafka.
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            host = host[(scheme + 3)..];
        }

        return int.TryParse(broker[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535
            && host.Length > 0
            && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex TopicName();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex PropertyName();
}
