using System.Globalization;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// Durations as the webhook settings write them: a whole number and a unit, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>
/// (<c>90s</c>, <c>5m</c>, <c>5d</c>); a retry schedule is a comma-separated list of them (<c>5s,5m,30m,2h</c>).
/// Used by the host to validate OAUTH2_WEBHOOKS_RETRY_SCHEDULE and OAUTH2_WEBHOOKS_DISABLE_AFTER.
/// </summary>
public static class RetrySchedule
{
    /// <summary>The longest single duration accepted (a typo such as <c>5000d</c> is refused, not waited out).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365);

    /// <summary>The schedule in <paramref name="value"/>; <see cref="FormatException"/> with a clear message when it is not one.</summary>
    public static IReadOnlyList<TimeSpan> Parse(string value) =>
        TryParse(value, out var schedule, out var error) ? schedule : throw new FormatException(error);

    /// <summary>True with the schedule, or false with a message naming the first bad part.</summary>
    public static bool TryParse(string? value, out IReadOnlyList<TimeSpan> schedule, out string? error)
    {
        schedule = [];
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "A retry schedule needs at least one duration, such as '5s,5m,30m,2h'.";
            return false;
        }

        var parts = value.Split(',');
        var durations = new List<TimeSpan>(parts.Length);
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParseDuration(parts[i], out var duration, out var problem))
            {
                error = $"Retry {i + 1} of the schedule '{value.Trim()}': {problem}";
                return false;
            }

            durations.Add(duration);
        }

        schedule = durations;
        error = null;
        return true;
    }

    /// <summary>One duration (<c>30s</c>, <c>5m</c>, <c>2h</c>, <c>5d</c>); <see cref="FormatException"/> with a clear message when it is not one.</summary>
    public static TimeSpan ParseDuration(string value) =>
        TryParseDuration(value, out var duration, out var error) ? duration : throw new FormatException(error);

    public static bool TryParseDuration(string? value, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        var text = value?.Trim() ?? string.Empty;
        if (text.Length < 2)
        {
            error = $"'{text}' is not a duration: write a whole number and a unit, s, m, h or d (e.g. 30s, 5m, 2h, 5d).";
            return false;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        var number = text[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            error = char.IsAsciiLetter(unit) && !"smhd".Contains(unit, StringComparison.Ordinal)
                ? $"'{text}' has the unit '{text[^1]}': use s, m, h or d."
                : $"'{text}' is not a duration: write a whole number and a unit, s, m, h or d (e.g. 30s, 5m, 2h, 5d).";
            return false;
        }

        double seconds = unit switch
        {
            's' => amount,
            'm' => amount * 60d,
            'h' => amount * 3600d,
            'd' => amount * 86400d,
            _ => -1,
        };
        if (seconds < 0)
        {
            error = $"'{text}' has the unit '{text[^1]}': use s, m, h or d.";
            return false;
        }

        if (amount == 0)
        {
            error = $"'{text}' is zero: a duration must be positive.";
            return false;
        }

        if (seconds > MaxDuration.TotalSeconds)
        {
            error = $"'{text}' is longer than {MaxDuration.TotalDays:0} days.";
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        error = null;
        return true;
    }

    /// <summary>The schedule written back in the same syntax, each duration in its largest whole unit (<c>5s,5m,30m,2h</c>).</summary>
    public static string Format(IReadOnlyList<TimeSpan> schedule) => string.Join(',', schedule.Select(FormatDuration));

    public static string FormatDuration(TimeSpan duration) => duration switch
    {
        _ when duration.Ticks % TimeSpan.TicksPerDay == 0 => (duration.Ticks / TimeSpan.TicksPerDay).ToString(CultureInfo.InvariantCulture) + "d",
        _ when duration.Ticks % TimeSpan.TicksPerHour == 0 => (duration.Ticks / TimeSpan.TicksPerHour).ToString(CultureInfo.InvariantCulture) + "h",
        _ when duration.Ticks % TimeSpan.TicksPerMinute == 0 => (duration.Ticks / TimeSpan.TicksPerMinute).ToString(CultureInfo.InvariantCulture) + "m",
        _ => ((long)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
    };
}
