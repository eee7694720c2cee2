using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Events;

/// <summary>
/// OAUTH2_EVENTS_SINK_{SINK}_FORMAT: how a sink writes its events (<see cref="EventFormat"/>), read by each sink's
/// options under its name or any alias (RABBIT and RABBITMQ both name the RabbitMQ sink). The host checks the same
/// variables at start (an invalid value stops it); a sink reading them again gets the same answer.
/// </summary>
public static class EventSinkFormatSetting
{
    public const string Prefix = "OAUTH2_EVENTS_SINK_";
    public const string Suffix = "_FORMAT";

    /// <summary>The variable of the sink <paramref name="sinkName"/>: <c>OAUTH2_EVENTS_SINK_KAFKA_FORMAT</c>.</summary>
    public static string Key(string sinkName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sinkName);
        return Prefix + sinkName.ToUpperInvariant() + Suffix;
    }

    /// <summary>
    /// The format configured for the sink <paramref name="sinkName"/> (or one of its <paramref name="aliases"/>),
    /// <see cref="EventFormat.Envelope"/> when none is; false, naming the variable, when the value is no format or
    /// two spellings of the sink both set one.
    /// </summary>
    public static bool TryRead(IConfiguration configuration, string sinkName, IEnumerable<string> aliases, out EventFormat format, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(aliases);
        format = EventFormat.Envelope;
        problem = null;
        string? setBy = null;
        foreach (var key in aliases.Prepend(sinkName).Select(Key).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (setBy is not null)
            {
                problem = $"{key}: the sink '{sinkName}' already has a format from {setBy}; set it once.";
                return false;
            }

            if (!EventFormats.TryParse(value, out format))
            {
                problem = Invalid(key, value);
                return false;
            }

            setBy = key;
        }

        return true;
    }

    /// <summary>The message for a value of <paramref name="key"/> that is no format.</summary>
    public static string Invalid(string key, string value) => $"{key}: '{value.Trim()}' is not an event format; use {EventFormats.Names}.";
}
