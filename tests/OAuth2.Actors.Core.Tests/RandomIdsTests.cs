namespace OAuth2.Actors.Core.Tests;

/// <summary>The UUIDs made from the per-thread CSPRNG buffer: their version, variant, time field and uniqueness.</summary>
public sealed class RandomIdsTests
{
    [Fact]
    public void Version_7_ids_must_carry_the_millisecond_the_version_and_the_RFC_9562_variant()
    {
        var at = new DateTimeOffset(2026, 12, 3, 7, 15, 42, 123, TimeSpan.Zero);
        var id = RandomIds.NewVersion7(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b1000, id.Variant & 0b1100);
        var bytes = id.ToByteArray(bigEndian: true);
        var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        Assert.Equal(at.ToUnixTimeMilliseconds(), milliseconds);
        // The same layout as the runtime's own version 7 UUIDs: the same time prefix in the text form.
        Assert.Equal(Guid.CreateVersion7(at).ToString()[..13], id.ToString()[..13]);
    }

    [Fact]
    public void Version_4_ids_must_carry_the_version_and_variant_and_differ_across_threads_and_buffer_refills()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        // 4 threads x 2,000 ids: each thread's 4 KiB buffer is refilled several times.
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                ids.Add(RandomIds.NewGuid());
            }
        });

        Assert.All(ids, id => Assert.Equal(4, id.Version));
        Assert.All(ids, id => Assert.Equal(0b1000, id.Variant & 0b1100));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void A_time_before_1970_must_be_refused_for_a_version_7_id() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomIds.NewVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
