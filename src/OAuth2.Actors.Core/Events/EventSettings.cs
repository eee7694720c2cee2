namespace OAuth2.Actors.Events;

public enum EventFilterMode
{
    AllowAll,
    Include,
    Exclude,
}

/// <summary>Which event types pass to the sinks (the seed's filter modes).</summary>
public sealed record EventFilter(EventFilterMode Mode, IReadOnlySet<EventType> Types)
{
    public static readonly EventFilter AllowAll = new(EventFilterMode.AllowAll, new HashSet<EventType>());

    public bool Allows(EventType type) => Mode switch
    {
        EventFilterMode.Include => Types.Contains(type),
        EventFilterMode.Exclude => !Types.Contains(type),
        _ => true,
    };
}

/// <summary>Immutable eventing settings, built once at start.</summary>
public sealed record EventSettings
{
    public bool Enabled { get; init; } = true;

    public EventFilter Filter { get; init; } = EventFilter.AllowAll;

    /// <summary>Sink names in order (in_memory, console, ...), already resolved from aliases.</summary>
    public IReadOnlyList<string> Backends { get; init; } = [EventBackends.InMemory];

    public int InMemoryMax { get; init; } = 1000;

    /// <summary>Capacity of each sink's queue; beyond it new events are dropped and counted (overflow policy: drop newest).</summary>
    public int SinkBufferSize { get; init; } = 10_000;

    /// <summary>How long one plugin call may take before it counts as failed and the sink moves on.</summary>
    public TimeSpan PluginTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a shutdown waits for the sinks to deliver what they hold before the actor system stops.</summary>
    public TimeSpan ShutdownDrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromHours(24);

    public int DedupCapacity { get; init; } = 100_000;

    public string Producer { get; init; } = "oauth2-actors";

    /// <summary>Each sink's own filter and rate limit, by sink name (a sink not listed takes everything the global filter lets through).</summary>
    public IReadOnlyDictionary<string, Log.EventSinkPolicy> SinkPolicies { get; init; } = new Dictionary<string, Log.EventSinkPolicy>(StringComparer.Ordinal);

    /// <summary>The durable log's settings.</summary>
    public Log.EventLogSettings Log { get; init; } = new();

    public Log.EventSinkPolicy PolicyOf(string sink) => SinkPolicies.TryGetValue(sink, out var policy) ? policy : Events.Log.EventSinkPolicy.None;
}

/// <summary>
/// The backend names Core itself serves (in_memory, console, and "both" for the two) and the parsing of
/// OAUTH2_EVENTS_BACKEND. A broker backend declares its own name and aliases (<see cref="IEventBackend"/>); the host
/// passes what it has compiled in to <see cref="Parse"/>.
/// </summary>
public static class EventBackends
{
    public const string InMemory = "in_memory";
    public const string Console = "console";
    public const string Both = "both";

    /// <summary>
    /// Canonical names for every accepted spelling of the Core backends. A broker backend declares its own name and
    /// aliases (<see cref="IEventBackend"/>): Core knows no broker.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["in_memory"] = InMemory,
        ["inmemory"] = InMemory,
        ["memory"] = InMemory,
        ["console"] = Console,
    };

    /// <summary>
    /// Parses the seed's backend setting (a name, "both", or a comma-separated list) into canonical names and unknown
    /// names. <paramref name="compiled"/> maps the spellings of the backends this build has (their names and aliases)
    /// to their names, and wins over the table above.
    /// </summary>
    public static (IReadOnlyList<string> Known, IReadOnlyList<string> Unknown) Parse(string? value, IReadOnlyDictionary<string, string>? compiled = null)
    {
        var known = new List<string>();
        var unknown = new List<string>();
        foreach (var raw in (value ?? InMemory).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (string.Equals(raw, Both, StringComparison.OrdinalIgnoreCase))
            {
                Add(InMemory);
                Add(Console);
            }
            else if (compiled is not null && compiled.TryGetValue(raw, out var compiledName))
            {
                Add(compiledName);
            }
            else if (Aliases.TryGetValue(raw, out var name))
            {
                Add(name);
            }
            else
            {
                unknown.Add(raw);
            }
        }

        return (known, unknown);

        void Add(string name)
        {
            if (!known.Contains(name))
            {
                known.Add(name);
            }
        }
    }
}
