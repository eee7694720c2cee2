namespace OAuth2.Actors.Core.Tests;

public class EventIdempotencyWindowTests
{
    private static readonly DateTimeOffset T0 = EventSpecSupport.Start;

    [Fact]
    public void IdempotencyWindow_must_answer_new_once_and_duplicate_after()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 10);

        Assert.True(window.TryRemember("a", T0));
        Assert.False(window.TryRemember("a", T0.AddSeconds(1)));
        Assert.True(window.TryRemember("b", T0.AddSeconds(2)));
        Assert.False(window.TryRemember("b", T0.AddSeconds(3)));
        Assert.Equal(2, window.Count);
    }

    [Fact]
    public void IdempotencyWindow_must_compare_keys_exactly()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 10);

        Assert.True(window.TryRemember("Key", T0));
        Assert.True(window.TryRemember("key", T0));
        Assert.True(window.TryRemember("key ", T0));
        Assert.Equal(3, window.Count);
    }

    [Fact]
    public void IdempotencyWindow_must_treat_a_key_as_new_once_the_window_has_passed()
    {
        var window = new IdempotencyWindow(TimeSpan.FromMinutes(1), 10);
        Assert.True(window.TryRemember("a", T0));

        Assert.False(window.TryRemember("a", T0.AddSeconds(59.999)));
        Assert.True(window.TryRemember("a", T0.AddMinutes(1)));
        // Remembered again from the new sighting.
        Assert.False(window.TryRemember("a", T0.AddSeconds(119)));
        Assert.True(window.TryRemember("a", T0.AddMinutes(2)));
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
        Assert.True(window.TryRemember("a", T0));
        Assert.True(window.TryRemember("b", T0.AddSeconds(1)));
        Assert.True(window.TryRemember("c", T0.AddSeconds(2)));
        // "a" is used again, so "b" is now the least recently used.
        Assert.False(window.TryRemember("a", T0.AddSeconds(3)));

        Assert.True(window.TryRemember("d", T0.AddSeconds(4)));

        Assert.Equal(3, window.Count);
        Assert.False(window.TryRemember("a", T0.AddSeconds(5)));
        Assert.False(window.TryRemember("c", T0.AddSeconds(6)));
        Assert.False(window.TryRemember("d", T0.AddSeconds(7)));
        Assert.Equal(3, window.Count);
        // "b" was evicted: new again (which in turn evicts the least recently used, "a").
        Assert.True(window.TryRemember("b", T0.AddSeconds(8)));
        Assert.Equal(3, window.Count);
        Assert.True(window.TryRemember("a", T0.AddSeconds(9)));
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
        Assert.True(window.TryRemember("a", T0));
        Assert.True(window.TryRemember("b", T0.AddSeconds(5)));
        // A duplicate sighting of "a" does not extend its window: it stays first seen at T0.
        Assert.False(window.TryRemember("a", T0.AddSeconds(9)));

        // At T0+11 "a" has expired, "b" (seen at T0+5) has not: adding "c" must drop "a", not "b".
        Assert.True(window.TryRemember("c", T0.AddSeconds(11)));

        Assert.False(window.TryRemember("b", T0.AddSeconds(12)));
        Assert.False(window.TryRemember("c", T0.AddSeconds(12)));
        Assert.Equal(2, window.Count);
    }
}
