using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>Sink rows: cursors, leases (claim and fenced commit), pause, and what retention takes from each sink.</summary>
public sealed class SqlEventLogStoreSinkTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Now = TestEventLog.Start;

    [Fact]
    public async Task Ensured_sinks_must_start_at_the_head_and_keep_their_cursor_when_ensured_again()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 5).Select(_ => TestEventLog.Envelope()));
        await log.Store.EnsureSinksAsync(["kafka"], None);
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 3).Select(_ => TestEventLog.Envelope()));

        await log.Store.EnsureSinksAsync(["kafka", "redis"], None);

        var sinks = await log.Store.SinksAsync(None);
        Assert.Equal(new SinkCursor("kafka", 5, false, 0, null, null), sinks[0]);
        Assert.Equal(new SinkCursor("redis", 8, false, 0, null, null), sinks[1]);
    }

    [Fact]
    public async Task Claim_must_take_a_free_or_expired_lease_or_renew_its_own_and_refuse_a_live_one_of_another_owner()
    {
        await using var log = await TestEventLog.Create();
        await log.Store.EnsureSinksAsync(["kafka"], None);

        var a = await log.Store.ClaimSinkAsync("kafka", "node-a", Now, Lease, None);
        Assert.Equal(new SinkCursor("kafka", 0, false, 0, "node-a", Now + Lease), a);
        Assert.Null(await log.Store.ClaimSinkAsync("kafka", "node-b", Now.AddSeconds(9), Lease, None));

        var renewed = await log.Store.ClaimSinkAsync("kafka", "node-a", Now.AddSeconds(5), Lease, None);
        Assert.Equal(Now.AddSeconds(15), renewed!.LeaseUntil);
        Assert.Null(await log.Store.ClaimSinkAsync("kafka", "node-b", Now.AddSeconds(14), Lease, None));

        var taken = await log.Store.ClaimSinkAsync("kafka", "node-b", Now.AddSeconds(15), Lease, None);
        Assert.Equal("node-b", taken!.Owner);
        Assert.Equal("node-b", (await log.Store.SinksAsync(None)).Single().Owner);
    }

    [Fact]
    public async Task Claim_of_a_sink_nobody_ensured_must_create_it_at_the_head()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 4).Select(_ => TestEventLog.Envelope()));

        var claimed = await log.Store.ClaimSinkAsync("console", "node-a", Now, Lease, None);

        Assert.Equal(4, claimed!.Position);
    }

    [Fact]
    public async Task Commit_must_be_fenced_to_the_owner_move_forward_only_and_renew_the_lease()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 20).Select(_ => TestEventLog.Envelope()));
        await log.Store.EnsureSinksAsync(["kafka"], None);
        await log.Store.ClaimSinkAsync("kafka", "node-a", Now, Lease, None);

        var committed = await log.Store.CommitSinkAsync("kafka", "node-a", 25, Now.AddSeconds(1), Lease, None);
        Assert.Equal(new SinkCursor("kafka", 25, false, 0, "node-a", Now.AddSeconds(11)), committed);

        var back = await log.Store.CommitSinkAsync("kafka", "node-a", 22, Now.AddSeconds(2), Lease, None);
        Assert.Equal(25, back!.Position);
        Assert.Equal(Now.AddSeconds(12), back.LeaseUntil);

        Assert.Null(await log.Store.CommitSinkAsync("kafka", "node-b", 30, Now.AddSeconds(3), Lease, None));
        await log.Store.ClaimSinkAsync("kafka", "node-b", Now.AddSeconds(12), Lease, None);
        Assert.Null(await log.Store.CommitSinkAsync("kafka", "node-a", 30, Now.AddSeconds(13), Lease, None));
        Assert.Equal(25, (await log.Store.SinksAsync(None)).Single().Position);
    }

    [Fact]
    public async Task Release_must_commit_and_free_the_lease_only_for_its_owner()
    {
        await using var log = await TestEventLog.Create();
        await log.Store.EnsureSinksAsync(["kafka"], None);
        await log.Store.ClaimSinkAsync("kafka", "node-a", Now, Lease, None);

        await log.Store.ReleaseSinkAsync("kafka", "node-b", 9, None);
        Assert.Equal(new SinkCursor("kafka", 0, false, 0, "node-a", Now + Lease), (await log.Store.SinksAsync(None)).Single());

        await log.Store.ReleaseSinkAsync("kafka", "node-a", 7, None);
        Assert.Equal(new SinkCursor("kafka", 7, false, 0, null, null), (await log.Store.SinksAsync(None)).Single());
        Assert.NotNull(await log.Store.ClaimSinkAsync("kafka", "node-b", Now.AddSeconds(1), Lease, None));
    }

    [Fact]
    public async Task Paused_flag_must_be_kept_across_stores_and_claims()
    {
        await using var log = await TestEventLog.Create();
        await log.Store.EnsureSinksAsync(["kafka", "redis"], None);

        await log.Store.SetSinkPausedAsync("redis", true, None);
        var other = await log.OpenAnother();
        await other.ClaimSinkAsync("redis", "node-b", Now, Lease, None);

        var sinks = await other.SinksAsync(None);
        Assert.False(sinks[0].Paused);
        Assert.True(sinks[1].Paused);
        await other.SetSinkPausedAsync("redis", false, None);
        Assert.False((await log.Store.SinksAsync(None))[1].Paused);
    }

    [Fact]
    public async Task Purge_must_delete_the_oldest_past_the_bound_in_batches_and_add_what_each_sink_had_not_acknowledged_to_its_loss()
    {
        await using var log = await TestEventLog.Create();
        await log.Store.EnsureSinksAsync(["behind", "middle", "ahead"], None);
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 10).Select(_ => TestEventLog.Envelope()), Now);
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 5).Select(_ => TestEventLog.Envelope()), Now.AddDays(1));
        await log.Store.ClaimSinkAsync("middle", "n", Now, Lease, None);
        await log.Store.CommitSinkAsync("middle", "n", 4, Now, Lease, None);
        await log.Store.ClaimSinkAsync("ahead", "n", Now, Lease, None);
        await log.Store.CommitSinkAsync("ahead", "n", 12, Now, Lease, None);
        var bound = Now.AddHours(1);

        var first = await log.Store.PurgeAsync(bound, 6, None);
        Assert.Equal(6, first.Deleted);
        Assert.Equal(new Dictionary<string, long> { ["behind"] = 6, ["middle"] = 2 }, first.LostBySink);

        var second = await log.Store.PurgeAsync(bound, 6, None);
        Assert.Equal(4, second.Deleted);
        Assert.Equal(new Dictionary<string, long> { ["behind"] = 4, ["middle"] = 4 }, second.LostBySink);

        var third = await log.Store.PurgeAsync(bound, 6, None);
        Assert.Equal(0, third.Deleted);
        Assert.Empty(third.LostBySink);

        Assert.Equal(Enumerable.Range(11, 5).Select(p => (long)p), (await log.Store.ReadAsync(0, 100, null, None)).Select(e => e.Position));
        var lost = (await log.Store.SinksAsync(None)).ToDictionary(s => s.Sink, s => s.Lost);
        Assert.Equal(new Dictionary<string, long> { ["ahead"] = 0, ["behind"] = 10, ["middle"] = 6 }, lost);
    }

    [Fact]
    public async Task Two_nodes_purging_at_once_must_count_each_lost_event_once()
    {
        await using var log = await TestEventLog.Create();
        var other = await log.OpenAnother();
        await log.Store.EnsureSinksAsync(["kafka"], None);
        for (var i = 0; i < 10; i++)
        {
            await TestEventLog.Append(log.Store, Enumerable.Range(0, 100).Select(_ => TestEventLog.Envelope()), Now);
        }

        async Task<long> PurgeAll(Events.Log.IEventLogStore store, int batch)
        {
            long deleted = 0;
            while (await store.PurgeAsync(Now.AddDays(1), batch, None) is { Deleted: > 0 } outcome)
            {
                deleted += outcome.Deleted;
            }

            return deleted;
        }

        var counts = await Task.WhenAll(PurgeAll(log.Store, 70), PurgeAll(other, 130));

        Assert.Equal(1000, counts.Sum());
        Assert.Equal(1000, (await log.Store.SinksAsync(None)).Single().Lost);
    }
}
