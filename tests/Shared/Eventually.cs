namespace OAuth2.Actors.Testing;

/// <summary>
/// The one way a test reads something delivered asynchronously (events, replication, a sink catching up): probe until
/// the condition holds or the deadline passes. The deadline is generous because CI machines are shared and busy; a
/// passing probe returns at once, so a generous deadline costs nothing when things work.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Probes until <paramref name="done"/> holds for what it returns; fails naming <paramref name="what"/> and the last value.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? DefaultDeadline);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"Not within {(within ?? DefaultDeadline).TotalSeconds:0.#} s: {what} (last seen: {Describe(value)})");
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>Probes until <paramref name="probe"/> answers true.</summary>
    public static Task Until(Func<Task<bool>> probe, string what, TimeSpan? within = null) =>
        Until(probe, ok => ok, what, within);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        System.Collections.ICollection c => $"{c.Count} item(s)",
        _ => value.ToString() ?? string.Empty,
    };
}
