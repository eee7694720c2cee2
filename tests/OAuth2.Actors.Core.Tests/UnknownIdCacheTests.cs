using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Core.Tests;

public class UnknownIdCacheTests
{
    private readonly FakeTimeProvider _time = new(SpecSupport.Start);

    [Fact]
    public void UnknownIdCache_must_answer_a_remembered_id_until_its_time_to_live_passes()
    {
        var cache = new UnknownIdCache(10, TimeSpan.FromSeconds(10), _time);

        cache.Remember(UnknownIdKind.User, "mallory", cache.Generation);

        Assert.True(cache.IsUnknown(UnknownIdKind.User, "mallory"));
        Assert.False(cache.IsUnknown(UnknownIdKind.Client, "mallory"));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(cache.IsUnknown(UnknownIdKind.User, "mallory"));
    }

    [Fact]
    public void UnknownIdCache_must_forget_an_id_at_once_when_it_is_created()
    {
        var cache = new UnknownIdCache(10, TimeSpan.FromMinutes(1), _time);
        cache.Remember(UnknownIdKind.User, "carol", cache.Generation);

        cache.Forget(UnknownIdKind.User, "carol");

        Assert.False(cache.IsUnknown(UnknownIdKind.User, "carol"));
    }

    [Fact]
    public void UnknownIdCache_must_not_remember_an_answer_read_before_a_creation()
    {
        var cache = new UnknownIdCache(10, TimeSpan.FromMinutes(1), _time);
        var before = cache.Generation;

        // The entity said "unknown", then the id was created before that answer came back.
        cache.Forget(UnknownIdKind.User, "carol");
        cache.Remember(UnknownIdKind.User, "carol", before);

        Assert.False(cache.IsUnknown(UnknownIdKind.User, "carol"));
    }

    [Fact]
    public void UnknownIdCache_must_keep_at_most_its_capacity_the_least_recently_used_going_first()
    {
        var cache = new UnknownIdCache(2, TimeSpan.FromMinutes(1), _time);
        cache.Remember(UnknownIdKind.Client, "a", cache.Generation);
        cache.Remember(UnknownIdKind.Client, "b", cache.Generation);
        Assert.True(cache.IsUnknown(UnknownIdKind.Client, "a"));

        cache.Remember(UnknownIdKind.Client, "c", cache.Generation);

        Assert.Equal(2, cache.Count);
        Assert.True(cache.IsUnknown(UnknownIdKind.Client, "a"));
        Assert.False(cache.IsUnknown(UnknownIdKind.Client, "b"));
        Assert.True(cache.IsUnknown(UnknownIdKind.Client, "c"));
    }

    [Fact]
    public void UnknownIdCache_disabled_must_never_answer_from_memory()
    {
        var cache = UnknownIdCache.Disabled;
        cache.Remember(UnknownIdKind.User, "x", cache.Generation);

        Assert.False(cache.IsUnknown(UnknownIdKind.User, "x"));
    }
}
