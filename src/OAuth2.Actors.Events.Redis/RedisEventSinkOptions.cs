using System.Globalization;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// Where and how the Redis Streams sink writes: <c>XADD {Stream} [MAXLEN ~ {MaxLength}] * event_type … payload …</c>.
/// Bound from OAUTH2_EVENTS_REDIS_URL, OAUTH2_EVENTS_REDIS_STREAM and OAUTH2_EVENTS_REDIS_MAXLEN.
/// </summary>
public sealed record RedisEventSinkOptions
{
    public const string UrlKey = "OAUTH2_EVENTS_REDIS_URL";
    public const string StreamKey = "OAUTH2_EVENTS_REDIS_STREAM";
    public const string MaxLengthKey = "OAUTH2_EVENTS_REDIS_MAXLEN";
    public const string DefaultUrl = "redis://localhost:6379";
    public const string DefaultStream = "oauth2:events";

    /// <summary><c>redis://[[user]:password@]host[:port][/db]</c>, or <c>rediss://</c> for TLS.</summary>
    public string Url { get; init; } = DefaultUrl;

    public string Stream { get; init; } = DefaultStream;

    /// <summary>When set, every XADD trims the stream to about this many entries (<c>MAXLEN ~ N</c>).</summary>
    public long? MaxLength { get; init; }

    /// <summary>Most XADDs pipelined in one plugin call.</summary>
    public int MaxBatch { get; init; } = 512;

    /// <summary>Batches in flight at once on the (single, multiplexed) connection.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>How long a health check waits for PONG.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The options the seed's variables describe, or why they cannot be used.</summary>
    public static (RedisEventSinkOptions? Options, string? Problem) FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new RedisEventSinkOptions();
        var url = configuration[UrlKey];
        if (!string.IsNullOrWhiteSpace(url))
        {
            options = options with { Url = url.Trim() };
        }

        var stream = configuration[StreamKey];
        if (stream is not null)
        {
            if (string.IsNullOrWhiteSpace(stream))
            {
                return (null, $"{StreamKey} is empty");
            }

            options = options with { Stream = stream.Trim() };
        }

        var maxLength = configuration[MaxLengthKey];
        if (!string.IsNullOrWhiteSpace(maxLength))
        {
            if (!long.TryParse(maxLength.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                return (null, $"{MaxLengthKey} must be a positive whole number, not '{maxLength}'");
            }

            options = options with { MaxLength = n };
        }

        var problem = options.Validate();
        return problem is null ? (options, null) : (null, problem);
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

        if (MaxBatch < 1 || Parallelism < 1)
        {
            return "MaxBatch and Parallelism must be positive";
        }

        return RedisUrl.TryParse(Url, out _, out var problem) ? null : problem;
    }

    /// <summary>The URL with any password replaced by <c>***</c>: the only form that may be logged.</summary>
    public string RedactedUrl => RedisUrl.Redact(Url);
}

/// <summary>Parses <c>redis://</c> and <c>rediss://</c> URLs into StackExchange.Redis configuration.</summary>
public static class RedisUrl
{
    public const int DefaultPort = 6379;

    public static bool TryParse(string? url, out ConfigurationOptions configuration, out string? problem)
    {
        configuration = new ConfigurationOptions();
        problem = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = $"{RedisEventSinkOptions.UrlKey} is empty";
            return false;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            problem = $"{RedisEventSinkOptions.UrlKey} is not a URL: '{Redact(url)}' (expected redis://[:password@]host[:port][/db])";
            return false;
        }

        var tls = uri.Scheme switch
        {
            "redis" => false,
            "rediss" => true,
            _ => (bool?)null,
        };
        if (tls is null)
        {
            problem = $"{RedisEventSinkOptions.UrlKey} must start with redis:// or rediss://, not '{uri.Scheme}://'";
            return false;
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            problem = $"{RedisEventSinkOptions.UrlKey} names no host: '{Redact(url)}'";
            return false;
        }

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
        configuration.Ssl = tls.Value;
        if (tls.Value)
        {
            configuration.SslHost = host;
        }

        return true;
    }

    /// <summary>The URL with its password (and any user info) replaced by <c>***</c>.</summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return string.Empty;
        }

        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var at = url.LastIndexOf('@');
        if (scheme < 0 || at < scheme)
        {
            return url;
        }

        var userInfo = url[(scheme + 3)..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var shown = colon < 0 ? "***" : userInfo[..colon] + ":***";
        return url[..(scheme + 3)] + shown + url[at..];
    }
}
