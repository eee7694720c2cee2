using System.Globalization;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// Where and how the Redis Streams sink writes: <c>XADD {Stream} [MAXLEN ~ {MaxLength}] * event_type … payload …</c>.
/// Bound from OAUTH2_EVENTS_REDIS_URL, OAUTH2_EVENTS_REDIS_STREAM and OAUTH2_EVENTS_REDIS_MAXLEN.
/// </summary>
public sealed record RedisEventSinkOptions : BrokerSinkOptions
{
    public const string UrlKey = "OAUTH2_EVENTS_REDIS_URL";
    public const string StreamKey = "OAUTH2_EVENTS_REDIS_STREAM";
    public const string MaxLengthKey = "OAUTH2_EVENTS_REDIS_MAXLEN";

    /// <summary>512 XADDs pipelined in one plugin call, 4 batches in flight on the (single, multiplexed) connection.</summary>
    public RedisEventSinkOptions()
        : base(maxBatch: 512, parallelism: 4, minBackoff: TimeSpan.FromMilliseconds(200), maxBackoff: TimeSpan.FromSeconds(5))
    {
    }

    /// <summary><c>redis://[[user]:password@]host[:port][/db]</c>, or <c>rediss://</c> for TLS.</summary>
    public string Url { get; init; } = "redis://localhost:6379";

    public string Stream { get; init; } = "oauth2:events";

    /// <summary>When set, every XADD trims the stream to about this many entries (<c>MAXLEN ~ N</c>).</summary>
    public long? MaxLength { get; init; }

    /// <summary>How long a health check waits for PONG.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The URL with any password replaced by <c>***</c>: the only form that may be logged.</summary>
    public string RedactedUrl => RedisUrl.Redact(Url);

    /// <summary>The options the seed's variables describe, or why they cannot be used.</summary>
    public static (RedisEventSinkOptions? Options, string? Problem) FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[StreamKey] is { } stream && string.IsNullOrWhiteSpace(stream))
        {
            return (null, $"{StreamKey} is empty");
        }

        if (!TryWholeNumber(configuration, MaxLengthKey, 1, long.MaxValue, out var maxLength, out var problem))
        {
            return (null, problem);
        }

        var defaults = new RedisEventSinkOptions();
        var options = defaults with
        {
            Url = TextOrDefault(configuration, UrlKey, defaults.Url),
            Stream = TextOrDefault(configuration, StreamKey, defaults.Stream),
            MaxLength = maxLength,
        };
        return Checked(options, options.Validate());
    }

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

/// <summary>Parses <c>redis://</c> and <c>rediss://</c> URLs into StackExchange.Redis configuration.</summary>
public static class RedisUrl
{
    public const int DefaultPort = 6379;

    public static bool TryParse(string? url, out ConfigurationOptions configuration, out string? problem)
    {
        configuration = new ConfigurationOptions();
        if (!BrokerUrl.TryParse(url, RedisEventSinkOptions.UrlKey, "redis://[:password@]host[:port][/db]", ["redis", "rediss"], loneUserInfoIsSecret: true, out var uri, out problem))
        {
            return false;
        }

        var tls = uri.Scheme == "rediss";
        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        if (port is < 1 or > 65535)
        {
            problem = $"{RedisEventSinkOptions.UrlKey} has an invalid port: '{Redact(url)}'";
            return false;
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 10_000))
        {
            problem = $"{RedisEventSinkOptions.UrlKey}: the path must be a database number (/0, /1, ...), not '/{path}'";
            return false;
        }

        string? user = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // redis://secret@host: the single userinfo part is the password (as redis-cli -u reads it).
                password = Uri.UnescapeDataString(uri.UserInfo);
            }
            else
            {
                user = Uri.UnescapeDataString(uri.UserInfo[..colon]);
                password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        configuration.EndPoints.Add(host, port);
        configuration.User = string.IsNullOrEmpty(user) ? null : user;
        configuration.Password = string.IsNullOrEmpty(password) ? null : password;
        configuration.DefaultDatabase = database;
        configuration.Ssl = tls;
        if (tls)
        {
            configuration.SslHost = host;
        }

        return true;
    }

    /// <summary>The URL with its password (and any user info) replaced by <c>***</c>.</summary>
    public static string Redact(string? url) => BrokerUrl.Redact(url, loneUserInfoIsSecret: true);
}
