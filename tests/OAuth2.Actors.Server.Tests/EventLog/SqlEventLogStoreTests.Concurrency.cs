using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// Appenders on several nodes at once (stores on the same database): appends are serialized, so every batch gets a run
/// of positions of its own and commits in position order, and a reader following the log never sees a gap it could skip.
/// </summary>
public sealed class SqlEventLogStoreConcurrencyTests
{
    private const int Nodes = 4;
    private const int BatchesPerNode = 15;
    private const int BatchSize = 50;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Concurrent_appenders_must_get_contiguous_runs_and_a_following_reader_must_never_see_a_gap()
    {
        await using var log = await TestEventLog.Create();
        var stores = new List<IEventLogStore> { log.Store };
        for (var i = 1; i < Nodes; i++)
        {
            stores.Add(await log.OpenAnother());
        }

        const int total = Nodes * BatchesPerNode * BatchSize;
        var follower = Follow(log.Store, total);
        var appenders = stores.Select(async (store, node) =>
        {
            var outcomes = new List<IReadOnlyList<AppendOutcome>>();
            for (var b = 0; b < BatchesPerNode; b++)
            {
                var batch = Enumerable.Range(0, BatchSize).Select(i => TestEventLog.Envelope(clientId: $"node-{node}", userId: $"{b}-{i}"));
                outcomes.Add(await TestEventLog.Append(store, batch));
            }

            return outcomes;
        }).ToList();

        var batches = (await Task.WhenAll(appenders)).SelectMany(o => o).ToList();
        var seen = await follower;

        foreach (var outcome in batches)
        {
            var positions = outcome.Select(o => o.Position).ToList();
            Assert.Equal(Enumerable.Range((int)positions[0], BatchSize).Select(p => (long)p), positions);
        }

        Assert.Equal(Enumerable.Range(1, total).Select(p => (long)p), batches.SelectMany(o => o).Select(o => o.Position).Order());
        Assert.Equal(total, await log.Store.HeadAsync(None));
        Assert.Equal(Enumerable.Range(1, total).Select(p => (long)p), seen.Select(e => e.Position));
        Assert.Equal(total, seen.Select(e => e.Envelope.Event.Id).Distinct().Count());
        // Each batch was written as one run: a node's batch b is one block of its (client, user) pairs.
        foreach (var run in seen.Chunk(BatchSize).Where((_, i) => i < total / BatchSize))
        {
            Assert.Single(run.Select(e => e.Envelope.Event.ClientId).Distinct());
        }
    }

    /// <summary>
    /// Reads from its cursor the way a sink's consumer does, moving past whatever it read; if a commit at a lower
    /// position could land after a higher one it had already read, that event would be missing from what it saw.
    /// </summary>
    private static async Task<List<LoggedEvent>> Follow(IEventLogStore store, int total)
    {
        var seen = new List<LoggedEvent>(total);
        long cursor = 0;
        var idleSince = DateTimeOffset.UtcNow;
        // Ends when it has read as many as were appended, or after the appenders have long been quiet (then the
        // assertions show what it missed).
        while (seen.Count < total && DateTimeOffset.UtcNow - idleSince < Eventually.DefaultDeadline)
        {
            var page = await store.ReadAsync(cursor, 137, null, None);
            seen.AddRange(page);
            cursor = page.Count > 0 ? page[^1].Position : cursor;
            if (page.Count == 0)
            {
                await Task.Delay(5, None);
            }
            else
            {
                idleSince = DateTimeOffset.UtcNow;
            }
        }

        return seen;
    }
}
