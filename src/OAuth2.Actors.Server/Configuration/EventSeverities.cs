using OAuth2.Actors.Events;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>The severities by the names the envelopes use (info, warning, error, critical), in any case.</summary>
public static class EventSeverities
{
    public const string Names = "info, warning, error, critical";

    private static readonly Dictionary<string, EventSeverity> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["info"] = EventSeverity.Info,
        ["warning"] = EventSeverity.Warning,
        ["error"] = EventSeverity.Error,
        ["critical"] = EventSeverity.Critical,
    };

    public static bool TryParse(string? value, out EventSeverity severity) => ByName.TryGetValue(value?.Trim() ?? string.Empty, out severity);
}
