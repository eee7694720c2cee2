namespace OAuth2.Actors.Events.Log;

/// <summary>
/// What one sink narrows on top of the global filter: event types (names or <c>*</c> globs such as <c>token_*</c> or
/// <c>*_failed</c>; none means every type), a minimum severity, and a rate limit in events per second (events over it
/// wait in the log; never dropped). From OAUTH2_EVENTS_SINK_{SINK}_TYPES, _MIN_SEVERITY and _RATE.
/// </summary>
public sealed record EventSinkPolicy(IReadOnlyList<string> TypePatterns, EventSeverity? MinSeverity, int? RatePerSecond)
{
    public static readonly EventSinkPolicy None = new([], null, null);

    private readonly bool[] _types = Compile(TypePatterns);

    public bool Allows(AuthEvent e) =>
        _types[(int)e.EventType] && (MinSeverity is not { } min || e.Severity >= min);

    /// <summary>True when <paramref name="pattern"/> (a name or a <c>*</c> glob) names at least one event type.</summary>
    public static bool MatchesAnyType(string pattern) => EventTypeNames.All.Any(name => Glob(pattern, name));

    private static bool[] Compile(IReadOnlyList<string> patterns)
    {
        var types = Enum.GetValues<EventType>();
        var allowed = new bool[types.Max(t => (int)t) + 1];
        foreach (var type in types)
        {
            var name = EventTypeNames.Name(type);
            allowed[(int)type] = patterns.Count == 0 || patterns.Any(p => Glob(p, name));
        }

        return allowed;
    }

    /// <summary><c>*</c> matches any run of characters (none included); everything else matches itself, case-insensitively.</summary>
    internal static bool Glob(string pattern, string name)
    {
        var parts = pattern.Trim().Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(parts[0], name, StringComparison.OrdinalIgnoreCase);
        }

        var at = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (i == 0)
            {
                if (!name.StartsWith(part, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                at = part.Length;
            }
            else if (i == parts.Length - 1)
            {
                return name.Length - at >= part.Length && name.EndsWith(part, StringComparison.OrdinalIgnoreCase);
            }
            else
            {
                var found = name.IndexOf(part, at, StringComparison.OrdinalIgnoreCase);
                if (found < 0)
                {
                    return false;
                }

                at = found + part.Length;
            }
        }

        return true;
    }
}
