using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>Durable ingest deduplication: the key checked and written in the append's own transaction.</summary>
public sealed class SqlEventLogStoreIngestTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static LogAppend Ingested(string key) => new(TestEventLog.Envelope(idempotencyKey: key), key);

    [Fact]
    public async Task A_key_seen_within_the_window_must_be_a_duplicate_of_the_earlier_event_and_not_appended()
    {
        await using var log = await TestEventLog.Create();
        var first = Ingested("k-1");
        await log.Store.AppendAsync([first], TestEventLog.Start, TestEventLog.Window, None);

        var again = await log.Store.AppendAsync([Ingested("k-1")], TestEventLog.Start.AddMinutes(9), TestEventLog.Window, None);

        Assert.Equal(new AppendOutcome(0, first.Envelope.Event.Id), Assert.Single(again));
        Assert.False(again[0].Appended);
        Assert.Equal(1, await log.Store.HeadAsync(None));
    }

    [Fact]
    public async Task A_key_seen_within_the_window_by_another_node_must_be_a_duplicate()
    {
        await using var log = await TestEventLog.Create();
        var other = await log.OpenAnother();
        var first = Ingested("k-1");
        await log.Store.AppendAsync([first], TestEventLog.Start, TestEventLog.Window, None);

        var again = await other.AppendAsync([Ingested("k-1")], TestEventLog.Start.AddMinutes(1), TestEventLog.Window, None);

        Assert.Equal(first.Envelope.Event.Id, Assert.Single(again).DuplicateOf);
    }

    [Fact]
    public async Task An_expired_key_must_be_appended_again_and_replaced_by_the_new_event()
    {
        await using var log = await TestEventLog.Create();
        await log.Store.AppendAsync([Ingested("k-1")], TestEventLog.Start, TestEventLog.Window, None);
        var later = TestEventLog.Start + TestEventLog.Window + TimeSpan.FromSeconds(1);
        var second = Ingested("k-1");

        var appended = await log.Store.AppendAsync([second], later, TestEventLog.Window, None);
        var third = await log.Store.AppendAsync([Ingested("k-1")], later.AddMinutes(5), TestEventLog.Window, None);

        Assert.Equal(new AppendOutcome(2), Assert.Single(appended));
        // The window now runs from the replacement: a repeat within it names the new event.
        Assert.Equal(new AppendOutcome(0, second.Envelope.Event.Id), Assert.Single(third));
    }

    [Fact]
    public async Task Two_equal_keys_in_one_batch_must_append_the_first_and_name_it_for_the_second()
    {
        await using var log = await TestEventLog.Create();
        var first = Ingested("k-1");
        var batch = new List<LogAppend> { new(TestEventLog.Envelope()), first, Ingested("k-2"), Ingested("k-1"), new(TestEventLog.Envelope()) };

        var outcomes = await log.Store.AppendAsync(batch, TestEventLog.Start, TestEventLog.Window, None);

        Assert.Equal(
            [new AppendOutcome(1), new AppendOutcome(2), new AppendOutcome(3), new AppendOutcome(0, first.Envelope.Event.Id), new AppendOutcome(4)],
            outcomes);
        Assert.Equal(4, await log.Store.HeadAsync(None));
        Assert.Equal([1L, 2, 3, 4], (await log.Store.ReadAsync(0, 10, null, None)).Select(e => e.Position));
    }

    [Fact]
    public async Task Purging_keys_must_delete_only_keys_first_seen_before_the_bound_in_batches()
    {
        await using var log = await TestEventLog.Create();
        await log.Store.AppendAsync([Ingested("old-1"), Ingested("old-2"), Ingested("old-3")], TestEventLog.Start, TestEventLog.Window, None);
        await log.Store.AppendAsync([Ingested("new-1")], TestEventLog.Start.AddMinutes(5), TestEventLog.Window, None);

        Assert.Equal(2, await log.Store.PurgeIdempotencyKeysAsync(TestEventLog.Start.AddMinutes(1), 2, None));
        Assert.Equal(1, await log.Store.PurgeIdempotencyKeysAsync(TestEventLog.Start.AddMinutes(1), 2, None));
        Assert.Equal(0, await log.Store.PurgeIdempotencyKeysAsync(TestEventLog.Start.AddMinutes(1), 2, None));

        // Purged keys are new again; the kept one still deduplicates (both within the window of their first sighting).
        var outcomes = await log.Store.AppendAsync([Ingested("old-1"), Ingested("new-1")], TestEventLog.Start.AddMinutes(6), TestEventLog.Window, None);
        Assert.True(outcomes[0].Appended);
        Assert.False(outcomes[1].Appended);
    }
}
