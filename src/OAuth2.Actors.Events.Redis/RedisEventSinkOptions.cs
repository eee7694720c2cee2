using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// Where and how the Redis Streams sink writes: <c>XADD {Stream} [MAXLEN ~ {MaxLength}] * event_type … payload …</c>.
/// Bound from OAUTH2_EVENTS_REDIS_URL, OAUTH2_EVENTS_REDIS_STREAM, OAUTH2_EVENTS_REDIS_MAXLEN and
/// OAUTH2_EVENTS_SINK_REDIS_FORMAT.
/// </summary>
public sealed record RedisEventSinkOptions : BrokerSinkOptions, IBrokerSinkOptions<RedisEventSinkOptions>
{
    public static string BackendName => RedisEventPlugin.BackendName;

    public static IReadOnlyList<string> BackendAliases => ["redis_streams"];

    public const string UrlKey = "OAUTH2_EVENTS_REDIS_URL";
    public const string StreamKey = "OAUTH2_EVENTS_REDIS_STREAM";
    public const string MaxLengthKey = "OAUTH2_EVENTS_REDIS_MAXLEN";

    /// <summary><c>redis://[[user]:password@]host[:port][/db]</c>, or <c>rediss://</c> for TLS.</summary>
    public string Url { get; init; } = "redis://localhost:6379";

    public string Stream { get; init; } = "oauth2:events";

    /// <summary>When set, every XADD trims the stream to about this many entries (<c>MAXLEN ~ N</c>).</summary>
    public long? MaxLength { get; init; }

    /// <summary>How long a health check waits for PONG.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The URL with any password replaced by <c>***</c>: the only form that may be logged.</summary>
    public string RedactedUrl => RedisUrl.Redact(Url);

    /// <summary>512 XADDs pipelined in one plugin call, 4 batches in flight on the (single, multiplexed) connection.</summary>
    public RedisEventSinkOptions()
        : base(maxBatch: 512, parallelism: 4, minBackoff: TimeSpan.FromMilliseconds(200), maxBackoff: TimeSpan.FromSeconds(5))
    {
    }

    /// <summary>The options the seed's variables describe, or why they cannot be used.</summary>
    public static (RedisEventSinkOptions? Options, string? Problem) FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[StreamKey] is { } stream && string.IsNullOrWhiteSpace(stream))
        {
            return (null, $"{StreamKey} is empty");
        }

        if (!TryWholeNumber(configuration, MaxLengthKey, 1, long.MaxValue, out var maxLength, out var problem)
            || !TryFormat(configuration, BackendName, BackendAliases, out var format, out var source, out problem))
        {
            return (null, problem);
        }

        var defaults = new RedisEventSinkOptions();
        var options = defaults with
        {
            Url = TextOrDefault(configuration, UrlKey, defaults.Url),
            Stream = TextOrDefault(configuration, StreamKey, defaults.Stream),
            MaxLength = maxLength,
            Format = format,
            Source = source,
        };
        return Checked(options, options.Validate());
    }

    public (IEventPlugin? Plugin, string? Problem) CreatePlugin(ILoggerFactory loggerFactory) =>
        Validate() is { } problem ? (null, problem) : (new RedisEventPlugin(this, loggerFactory), null);

    /// <summary>Null when usable, else what is wrong (never quoting a password).</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Stream))
        {
            return "the stream name is empty";
        }

        if (MaxLength is < 1)
        {
            return "the stream MAXLEN must be positive";
        }

        return ValidateBatching() ?? (RedisUrl.TryParse(Url, out _, out var problem) ? null : problem);
    }
}
