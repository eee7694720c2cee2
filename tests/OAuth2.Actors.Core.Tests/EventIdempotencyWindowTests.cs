namespace OAuth2.Actors.Core.Tests;

public class EventIdempotencyWindowTests
{
    private static readonly DateTimeOffset T0 = EventSpecSupport.Start;

    private const bool New = true;
    private const bool Duplicate = false;

    [Fact]
    public void IdempotencyWindow_must_answer_new_once_and_duplicate_after()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 10);

        AssertSightings(window, ("a", 0, New), ("a", 1, Duplicate), ("b", 2, New), ("b", 3, Duplicate));
        Assert.Equal(2, window.Count);
    }

    [Fact]
    public void IdempotencyWindow_must_compare_keys_exactly()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 10);

        AssertSightings(window, ("Key", 0, New), ("key", 0, New), ("key ", 0, New));
        Assert.Equal(3, window.Count);
    }

    [Fact]
    public void IdempotencyWindow_must_treat_a_key_as_new_once_the_window_has_passed()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 10);
        AssertSightings(window, ("a", 0, New));

        AssertSightings(window, ("a", 59.999, Duplicate), ("a", 60, New));
        // Remembered again from the new sighting.
        AssertSightings(window, ("a", 119, Duplicate), ("a", 120, New));
    }

    [Fact]
    public void IdempotencyWindow_must_forget_expired_keys_as_time_passes()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 100);
        for (var i = 0; i < 10; i++)
        {
            window.TryRemember("old-" + i, T0.AddSeconds(i));
        }

        Assert.True(window.TryRemember("new", T0.AddSeconds(65)));

        // old-0 .. old-5 were seen 60 s or more before: gone; old-6 .. old-9 remain.
        Assert.Equal(5, window.Count);
        Assert.False(window.TryRemember("old-9", T0.AddSeconds(65)));
        Assert.True(window.TryRemember("old-0", T0.AddSeconds(65)));
    }

    [Fact]
    public void IdempotencyWindow_must_evict_the_least_recently_used_key_when_full_not_clear_everything()
    {
        var window = new IdempotencyWindow(TimeSpan.FromHours(1), 3);
        AssertSightings(window, ("a", 0, New), ("b", 1, New), ("c", 2, New));
        // "a" is used again, so "b" is now the least recently used.
        AssertSightings(window, ("a", 3, Duplicate));

        AssertSightings(window, ("d", 4, New));

        Assert.Equal(3, window.Count);
        AssertSightings(window, ("a", 5, Duplicate), ("c", 6, Duplicate), ("d", 7, Duplicate));
        Assert.Equal(3, window.Count);
        // "b" was evicted: new again (which in turn evicts the least recently used, "a").
        AssertSightings(window, ("b", 8, New));
        Assert.Equal(3, window.Count);
        AssertSightings(window, ("a", 9, New));
    }

    [Fact]
    public void IdempotencyWindow_must_stay_within_its_capacity_under_many_keys()
    {
        var window = new IdempotencyWindow(TimeSpan.FromHours(1), 1000);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(window.TryRemember("k" + i, T0.AddMilliseconds(i)));
            Assert.InRange(window.Count, 1, 1000);
        }

        // The newest 1000 are all still known; the older ones are not.
        for (var i = 9_000; i < 10_000; i++)
        {
            Assert.False(window.TryRemember("k" + i, T0.AddSeconds(20)));
        }

        Assert.Equal(1000, window.Count);
    }

    [Fact]
    public void IdempotencyWindow_must_forget_expired_keys_before_evicting_live_ones()
    {
        var window = new IdempotencyWindow(TimeSpan.FromSeconds(10), 2);
        AssertSightings(window, ("a", 0, New), ("b", 5, New));
        // A duplicate sighting of "a" does not extend its window: it stays first seen at T0.
        AssertSightings(window, ("a", 9, Duplicate));

        // At T0+11 "a" has expired, "b" (seen at T0+5) has not: adding "c" must drop "a", not "b".
        AssertSightings(window, ("c", 11, New));

        AssertSightings(window, ("b", 12, Duplicate), ("c", 12, Duplicate));
        Assert.Equal(2, window.Count);
    }

    /// <summary>Offers each key to the window, in order, at its time in seconds after T0, and checks that the window calls it new or a duplicate.</summary>
    private static void AssertSightings(IdempotencyWindow window, params (string Key, double Seconds, bool New)[] sightings)
    {
        foreach (var (key, seconds, isNew) in sightings)
        {
            Assert.True(window.TryRemember(key, T0.AddSeconds(seconds)) == isNew, $"\"{key}\" at T0+{seconds}s: expected {(isNew ? "new" : "a duplicate")}");
        }
    }
}
