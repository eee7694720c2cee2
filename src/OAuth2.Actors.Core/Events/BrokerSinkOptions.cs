using System.Globalization;
using Microsoft.Extensions.Configuration;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Events;

/// <summary>
/// What the options of every broker sink share: how the sink actor drives the plugin (batch size, batches in flight,
/// retry backoff while the broker is away) and how a setting is read from OAUTH2_EVENTS_* configuration. Each sink
/// adds where it writes (a URL, a stream, a topic, an exchange) and its own defaults.
/// </summary>
public abstract record BrokerSinkOptions
{
    protected BrokerSinkOptions(int maxBatch, int parallelism, TimeSpan minBackoff, TimeSpan maxBackoff)
    {
        MaxBatch = maxBatch;
        Parallelism = parallelism;
        MinBackoff = minBackoff;
        MaxBackoff = maxBackoff;
    }

    /// <summary>Most events handed to the plugin in one call.</summary>
    public int MaxBatch { get; init; }

    /// <summary>Plugin calls in flight at once.</summary>
    public int Parallelism { get; init; }

    /// <summary>The sink actor's retry backoff bounds while the broker is unreachable.</summary>
    public TimeSpan MinBackoff { get; init; }

    public TimeSpan MaxBackoff { get; init; }

    /// <summary>How the sink writes events (OAUTH2_EVENTS_SINK_{SINK}_FORMAT): the envelope, or CloudEvents (docs/cloudevents.md).</summary>
    public EventFormat Format { get; init; } = EventFormat.Envelope;

    /// <summary>The CloudEvents <c>source</c>: the server's issuer (OAUTH2_ISSUER, see <see cref="IssuerSetting"/>).</summary>
    public Uri Source { get; init; } = new(IssuerSetting.Effective(null, null, IssuerSetting.DefaultPort));

    /// <summary>How the sink actor drives the plugin: every batch is retried until the broker has it.</summary>
    public EventPluginOptions ToPluginOptions() => new()
    {
        MaxBatch = MaxBatch,
        Parallelism = Parallelism,
        RetryUntilDelivered = true,
        MinBackoff = MinBackoff,
        MaxBackoff = MaxBackoff,
    };

    /// <summary>Null when the batching settings are usable, else what is wrong.</summary>
    protected string? ValidateBatching() => MaxBatch < 1 || Parallelism < 1 ? "MaxBatch and Parallelism must be at least 1" : null;

    /// <summary><paramref name="options"/> when <paramref name="problem"/> is null, else the problem: the end of every FromConfiguration.</summary>
    protected static (TOptions? Options, string? Problem) Checked<TOptions>(TOptions options, string? problem)
        where TOptions : BrokerSinkOptions =>
        problem is null ? (options, null) : (null, problem);

    /// <summary>
    /// The sink's format (OAUTH2_EVENTS_SINK_{SINK}_FORMAT under its name or an alias) and the CloudEvents source (the
    /// issuer), or the problem naming the variable. The source is only checked for a CloudEvents format.
    /// </summary>
    protected static bool TryFormat(IConfiguration configuration, string sinkName, IEnumerable<string> aliases, out EventFormat format, out Uri source, out string? problem)
    {
        source = new(IssuerSetting.Effective(null, null, IssuerSetting.DefaultPort));
        if (!EventSinkFormatSetting.TryRead(configuration, sinkName, aliases, out format, out problem))
        {
            return false;
        }

        var (configured, sourceProblem) = IssuerSetting.SourceFromConfiguration(configuration);
        if (configured is not null)
        {
            source = configured;
            return true;
        }

        problem = format == EventFormat.Envelope ? null : sourceProblem;
        return problem is null;
    }

    /// <summary>The trimmed value of <paramref name="key"/>, or <paramref name="fallback"/> when it is unset or blank.</summary>
    protected static string TextOrDefault(IConfiguration configuration, string key, string fallback) =>
        configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : fallback;

    /// <summary>
    /// The whole number in <paramref name="key"/>, within [<paramref name="min"/>, <paramref name="max"/>]; null when
    /// unset or blank. False, naming the variable and the range (never the value's neighbours), when it is not one.
    /// </summary>
    protected static bool TryWholeNumber(IConfiguration configuration, string key, long min, long max, out long? value, out string? problem)
    {
        var raw = configuration[key];
        value = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return true;
        }

        if (long.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            value = number;
            return true;
        }

        problem = max == long.MaxValue
            ? $"{key} must be a whole number of at least {min}, not '{raw}'"
            : $"{key} must be a whole number from {min} to {max}";
        return false;
    }
}

/// <summary>The URL checks and redaction every URL-configured broker sink shares (redis://, amqp://, ...).</summary>
public static class BrokerUrl
{
    /// <summary>
    /// <paramref name="url"/> as an absolute URI with one of <paramref name="schemes"/> and a host, or the problem
    /// naming <paramref name="key"/> and quoting the URL only redacted.
    /// </summary>
    public static bool TryParse(string? url, string key, string expected, IReadOnlyCollection<string> schemes, bool loneUserInfoIsSecret, out Uri uri, out string? problem)
    {
        uri = null!;
        problem = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = $"{key} is empty";
            return false;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var parsed))
        {
            problem = $"{key} is not a URL: '{Redact(url, loneUserInfoIsSecret)}' (expected {expected})";
            return false;
        }

        if (!schemes.Contains(parsed.Scheme))
        {
            problem = $"{key} must start with {string.Join(" or ", schemes.Select(s => s + "://"))}, not '{parsed.Scheme}://'";
            return false;
        }

        if (string.IsNullOrEmpty(parsed.Host))
        {
            problem = $"{key} names no host: '{Redact(url, loneUserInfoIsSecret)}'";
            return false;
        }

        uri = parsed;
        return true;
    }

    /// <summary>
    /// The URL with its password replaced by <c>***</c>: the only form that may be logged. A user-info part without a
    /// colon is the password for some schemes (<c>redis://secret@host</c>, as redis-cli reads it) and the user name for
    /// others (<c>amqp://guest@host</c>): <paramref name="loneUserInfoIsSecret"/> says which.
    /// </summary>
    public static string Redact(string? url, bool loneUserInfoIsSecret)
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
        var shown = colon >= 0 ? userInfo[..colon] + ":***" : loneUserInfoIsSecret ? "***" : userInfo;
        return url[..(scheme + 3)] + shown + url[at..];
    }
}
