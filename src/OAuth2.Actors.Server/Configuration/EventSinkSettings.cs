using System.Globalization;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>
/// The per-sink variables OAUTH2_EVENTS_SINK_{SINK}_TYPES, _MIN_SEVERITY, _RATE and _FORMAT, read from configuration by key
/// (their names depend on the sinks configured, so no options class binds them). {SINK} is a sink's name upper-cased,
/// or any spelling OAUTH2_EVENTS_BACKEND accepts for it (RABBIT and RABBITMQ both name the RabbitMQ sink).
/// </summary>
public static class EventSinkSettings
{
    public const string Prefix = "OAUTH2_EVENTS_SINK_";
    public const string TypesSuffix = "_TYPES";
    public const string MinSeveritySuffix = "_MIN_SEVERITY";
    public const string RateSuffix = "_RATE";

    /// <summary>How the sink writes events (envelope, cloudevents, cloudevents-structured); read by the sink itself (<see cref="EventSinkFormatSetting"/>).</summary>
    public const string FormatSuffix = EventSinkFormatSetting.Suffix;

    // Longest first: a sink named "x_min" must not read OAUTH2_EVENTS_SINK_X_MIN_SEVERITY as its _SEVERITY.
    private static readonly string[] Suffixes = [MinSeveritySuffix, FormatSuffix, TypesSuffix, RateSuffix];

    /// <summary>Variables under <see cref="Prefix"/> that are not per-sink settings.</summary>
    private static readonly HashSet<string> OtherVariables = new(StringComparer.OrdinalIgnoreCase) { "OAUTH2_EVENTS_SINK_BUFFER" };

    /// <summary>
    /// Each configured sink's policy, the reasons the settings cannot be used (each naming its variable: the server
    /// refuses to start), and warnings for variables under the prefix that are no per-sink setting.
    /// </summary>
    /// <param name="configured">The canonical names of the sinks that may have settings.</param>
    /// <param name="spellings">Every accepted spelling of a sink name, mapped to its canonical name.</param>
    public static (IReadOnlyDictionary<string, EventSinkPolicy> Policies, IReadOnlyList<string> Failures, IReadOnlyList<string> Warnings) Read(
        IConfiguration configuration, IReadOnlyCollection<string> configured, IReadOnlyDictionary<string, string> spellings)
    {
        var failures = new List<string>();
        var warnings = new List<string>();
        var settings = new Dictionary<(string Sink, string Suffix), (string Key, string Value)>();
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (key.Contains(':', StringComparison.Ordinal) || !key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || OtherVariables.Contains(key))
            {
                continue;
            }

            var suffix = Suffixes.FirstOrDefault(s => key.Length > Prefix.Length + s.Length && key.EndsWith(s, StringComparison.OrdinalIgnoreCase));
            if (suffix is null)
            {
                warnings.Add($"{key}: not a per-sink setting (OAUTH2_EVENTS_SINK_{{SINK}}_TYPES, _MIN_SEVERITY, _RATE or _FORMAT); ignored.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            var written = key[Prefix.Length..^suffix.Length];
            var sink = spellings.TryGetValue(written, out var canonical) ? canonical : written.ToLowerInvariant();
            if (string.Equals(sink, Hosting.EventPipelineSetup.WebhookBackend, StringComparison.Ordinal))
            {
                failures.Add($"{key}: webhook endpoints have no per-sink settings; each has its own event_types and format "
                    + "(the admin API, or OAUTH2_WEBHOOKS_EVENT_TYPES and OAUTH2_WEBHOOKS_FORMAT for the static endpoint).");
                continue;
            }

            if (!configured.Contains(sink, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{key}: '{sink}' is not a configured sink (OAUTH2_EVENTS_BACKEND gives: {string.Join(", ", configured)}).");
                continue;
            }

            sink = configured.First(c => string.Equals(c, sink, StringComparison.OrdinalIgnoreCase));
            if (settings.TryGetValue((sink, suffix), out var earlier))
            {
                failures.Add($"{key}: the sink '{sink}' already has this setting from {earlier.Key}; set it once.");
                continue;
            }

            settings[(sink, suffix)] = (key, value.Trim());
        }

        var policies = new Dictionary<string, EventSinkPolicy>(StringComparer.Ordinal);
        foreach (var sink in settings.Keys.Select(k => k.Sink).Distinct())
        {
            var types = settings.TryGetValue((sink, TypesSuffix), out var t) ? Types(t.Key, t.Value, failures) : [];
            var severity = settings.TryGetValue((sink, MinSeveritySuffix), out var s) ? Severity(s.Key, s.Value, failures) : null;
            var rate = settings.TryGetValue((sink, RateSuffix), out var r) ? Rate(r.Key, r.Value, failures) : null;
            if (settings.TryGetValue((sink, FormatSuffix), out var f))
            {
                Format(sink, f.Key, f.Value, failures);
            }

            if (types.Length == 0 && severity is null && rate is null)
            {
                continue; // only a format: nothing for the log's consumer to filter
            }

            policies[sink] = new EventSinkPolicy(types, severity, rate);
        }

        return (policies, failures, warnings);
    }

    private static string[] Types(string key, string value, List<string> failures)
    {
        var patterns = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pattern in patterns.Where(p => !EventSinkPolicy.MatchesAnyType(p)))
        {
            failures.Add($"{key}: '{pattern}' matches no event type; give names or '*' globs of: {string.Join(", ", EventTypeNames.All.Order(StringComparer.Ordinal))}.");
        }

        return patterns;
    }

    private static EventSeverity? Severity(string key, string value, List<string> failures)
    {
        if (EventSeverities.TryParse(value, out var severity))
        {
            return severity;
        }

        failures.Add($"{key}: '{value}' is not a severity; use {EventSeverities.Names}.");
        return null;
    }

    private static void Format(string sink, string key, string value, List<string> failures)
    {
        if (!EventFormats.TryParse(value, out var format))
        {
            failures.Add(EventSinkFormatSetting.Invalid(key, value));
        }
        else if (format != EventFormat.Envelope && string.Equals(sink, EventBackends.InMemory, StringComparison.Ordinal))
        {
            failures.Add($"{key}: the in_memory sink keeps envelopes (GET /events) and has no other format; use envelope or leave it unset.");
        }
    }

    private static int? Rate(string key, string value, List<string> failures)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) && rate >= 1)
        {
            return rate;
        }

        failures.Add($"{key}: '{value}' is not a rate; give a whole number of events per second, 1 or more.");
        return null;
    }
}
