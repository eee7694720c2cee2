using System.ComponentModel.DataAnnotations;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>The seed's eventing variables (OAUTH2_EVENTS_*), bound and validated at start.</summary>
public sealed class EventOptions
{
    /// <summary>The defaults are the actors' settings' own: each is written once, in <see cref="EventSettings"/>.</summary>
    private static readonly EventSettings Defaults = new();

    [ConfigurationKeyName("OAUTH2_EVENTS_ENABLED")]
    public bool Enabled { get; set; } = Defaults.Enabled;

    /// <summary>in_memory, console, both, or a comma-separated list.</summary>
    [ConfigurationKeyName("OAUTH2_EVENTS_BACKEND")]
    public string Backend { get; set; } = EventBackends.InMemory;

    [ConfigurationKeyName("OAUTH2_EVENTS_FILTER_MODE")]
    public string FilterMode { get; set; } = "allow_all";

    [ConfigurationKeyName("OAUTH2_EVENTS_TYPES")]
    public string? Types { get; set; }

    [ConfigurationKeyName("OAUTH2_EVENTS_IN_MEMORY_MAX")]
    [Range(1, 10_000_000)]
    public int InMemoryMax { get; set; } = Defaults.InMemoryMax;

    [ConfigurationKeyName("OAUTH2_EVENTS_SINK_BUFFER")]
    [Range(1, 10_000_000)]
    public int SinkBuffer { get; set; } = Defaults.SinkBufferSize;

    [ConfigurationKeyName("OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS")]
    [Range(10, 600_000)]
    public int PluginTimeoutMs { get; set; } = (int)Defaults.PluginTimeout.TotalMilliseconds;

    /// <summary>How long a shutdown waits for the sinks to deliver what they still hold (0: not at all).</summary>
    [ConfigurationKeyName("OAUTH2_EVENTS_SHUTDOWN_DRAIN_MS")]
    [Range(0, 600_000)]
    public int ShutdownDrainMs { get; set; } = (int)Defaults.ShutdownDrainTimeout.TotalMilliseconds;

    [ConfigurationKeyName("OAUTH2_EVENTS_DEDUP_WINDOW_SECONDS")]
    [Range(1, 30 * 86_400)]
    public int DedupWindowSeconds { get; set; } = (int)Defaults.DedupWindow.TotalSeconds;

    [ConfigurationKeyName("OAUTH2_EVENTS_DEDUP_CAPACITY")]
    [Range(1, 10_000_000)]
    public int DedupCapacity { get; set; } = Defaults.DedupCapacity;

    /// <summary>Days the durable log keeps an event (purged in small batches after that).</summary>
    [ConfigurationKeyName("OAUTH2_EVENTS_RETENTION_DAYS")]
    [Range(1, 3650, ErrorMessage = "OAUTH2_EVENTS_RETENTION_DAYS must be a whole number of days from 1 to 3650.")]
    public int RetentionDays { get; set; } = (int)Defaults.Log.Retention.TotalDays;

    [ConfigurationKeyName("OAUTH2_EVENTS_PRODUCER")]
    public string Producer { get; set; } = Defaults.Producer;

    /// <summary>The settings, plus warnings for every name that was not understood (logged at start, never silent).</summary>
    /// <param name="compiledBackends">The names of the broker backends this build has.</param>
    /// <param name="compiledSpellings">Their names and aliases, mapped to their names (see <see cref="EventBackendRegistration.Spellings"/>).</param>
    public (EventSettings Settings, IReadOnlyList<string> Warnings) ToSettings(IReadOnlyCollection<string>? compiledBackends = null, IReadOnlyDictionary<string, string>? compiledSpellings = null)
    {
        compiledBackends ??= [];
        var inThisBuild = string.Join(", ", new[] { EventBackends.InMemory, EventBackends.Console }.Concat(compiledBackends.Order(StringComparer.Ordinal)));
        var warnings = new List<string>();
        // Core knows only its own backends; a broker is known by the name and aliases its backend declares. A name
        // neither knows is a backend this build does not have (a broker left out of the build, or a misspelling):
        // warned about like any other missing backend, and the server falls back to in_memory.
        var (known, unknown) = EventBackends.Parse(Backend, compiledSpellings);
        var backends = known.Concat(unknown).ToList();
        var usable = new List<string>();
        foreach (var name in backends)
        {
            if (name is EventBackends.InMemory or EventBackends.Console || compiledBackends.Contains(name))
            {
                usable.Add(name);
            }
            else
            {
                warnings.Add($"OAUTH2_EVENTS_BACKEND: backend '{name}' is not in this build, which has: {inThisBuild}; falling back to in_memory.");
            }
        }

        if (usable.Count == 0 || backends.Count > usable.Count)
        {
            if (!usable.Contains(EventBackends.InMemory))
            {
                usable.Insert(0, EventBackends.InMemory);
            }
        }

        var mode = FilterMode.Trim().ToLowerInvariant() switch
        {
            "allow_all" or "" => EventFilterMode.AllowAll,
            "include" => EventFilterMode.Include,
            "exclude" => EventFilterMode.Exclude,
            var other => Unknown(other),
        };

        var types = new HashSet<EventType>();
        foreach (var name in (Types ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (EventTypeNames.TryParse(name, out var type))
            {
                types.Add(type);
            }
            else
            {
                warnings.Add($"OAUTH2_EVENTS_TYPES: unknown event type '{name}' ignored; known: {string.Join(", ", EventTypeNames.All)}.");
            }
        }

        if (mode == EventFilterMode.Include && types.Count == 0)
        {
            warnings.Add("OAUTH2_EVENTS_FILTER_MODE is include but OAUTH2_EVENTS_TYPES names no known type: no event will be emitted.");
        }

        return (new EventSettings
        {
            Enabled = Enabled,
            Backends = usable,
            Filter = new EventFilter(mode, types),
            InMemoryMax = InMemoryMax,
            SinkBufferSize = SinkBuffer,
            PluginTimeout = TimeSpan.FromMilliseconds(PluginTimeoutMs),
            ShutdownDrainTimeout = TimeSpan.FromMilliseconds(ShutdownDrainMs),
            DedupWindow = TimeSpan.FromSeconds(DedupWindowSeconds),
            DedupCapacity = DedupCapacity,
            Producer = Producer,
            Log = Defaults.Log with { Retention = TimeSpan.FromDays(RetentionDays) },
        }, warnings);

        EventFilterMode Unknown(string other)
        {
            warnings.Add($"OAUTH2_EVENTS_FILTER_MODE: unknown mode '{other}'; using allow_all (known: allow_all, include, exclude).");
            return EventFilterMode.AllowAll;
        }
    }
}
