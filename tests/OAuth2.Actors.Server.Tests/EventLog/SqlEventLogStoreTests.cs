using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.EventLog;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>Appending and reading the durable log (SQLite, or PostgreSQL with OAUTH2_TEST_DATABASE=postgres).</summary>
public sealed class SqlEventLogStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Append_must_assign_contiguous_positions_in_item_order_after_the_head()
    {
        await using var log = await TestEventLog.Create();
        var first = Enumerable.Range(0, 3).Select(_ => TestEventLog.Envelope()).ToList();
        var second = Enumerable.Range(0, 4).Select(_ => TestEventLog.Envelope()).ToList();

        var a = await TestEventLog.Append(log.Store, first);
        var b = await TestEventLog.Append(log.Store, second);

        Assert.Equal([1L, 2, 3], a.Select(o => o.Position));
        Assert.Equal([4L, 5, 6, 7], b.Select(o => o.Position));
        Assert.All(a.Concat(b), o => Assert.True(o.Appended));
        Assert.Equal(7, await log.Store.HeadAsync(None));
        var read = await log.Store.ReadAsync(0, 100, null, None);
        Assert.Equal(Enumerable.Range(1, 7).Select(p => (long)p), read.Select(e => e.Position));
        Assert.Equal(first.Concat(second).Select(e => e.Event.Id), read.Select(e => e.Envelope.Event.Id));
    }

    [Fact]
    public async Task Head_must_be_zero_on_an_empty_log_and_an_empty_append_must_change_nothing()
    {
        await using var log = await TestEventLog.Create();

        Assert.Empty(await TestEventLog.Append(log.Store, []));
        Assert.Equal(0, await log.Store.HeadAsync(None));
        Assert.Empty(await log.Store.ReadAsync(0, 10, null, None));
    }

    [Fact]
    public async Task Read_must_return_events_after_a_position_up_to_a_bound_at_most_limit()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 20).Select(_ => TestEventLog.Envelope()));

        Assert.Equal([6L, 7, 8], (await log.Store.ReadAsync(5, 3, null, None)).Select(e => e.Position));
        Assert.Equal([6L, 7], (await log.Store.ReadAsync(5, 10, 7, None)).Select(e => e.Position));
        Assert.Equal(Enumerable.Range(16, 5).Select(p => (long)p), (await log.Store.ReadAsync(15, 100, null, None)).Select(e => e.Position));
        Assert.Empty(await log.Store.ReadAsync(20, 100, null, None));
    }

    [Fact]
    public async Task Logged_envelope_must_read_back_equal_by_read_find_and_query()
    {
        await using var log = await TestEventLog.Create();
        var precise = TestEventLog.Start.AddTicks(4_567); // below the millisecond: the log keeps milliseconds, as the JSON does
        var full = TestEventLog.Envelope(EventType.UserAuthenticationFailed, "client-x", "user-x", EventSeverity.Warning, precise, "key-1");
        var sparse = new EventEnvelope(
            new AuthEvent("sparse-1", EventType.ClientDeleted, precise, EventSeverity.Critical, null, null, new Dictionary<string, string>(), null),
            null, null, null, null, "producer", precise, new Dictionary<string, string>());
        var appended = await log.Store.AppendAsync([new LogAppend(full, "key-1"), new LogAppend(sparse)], TestEventLog.Start, TestEventLog.Window, None);

        var read = await log.Store.ReadAsync(0, 10, null, None);
        TestEventLog.AssertSame(full, read[0].Envelope);
        TestEventLog.AssertSame(sparse, read[1].Envelope);
        Assert.Equal(TestEventLog.Start.ToUnixTimeMilliseconds(), read[0].AppendedAt.ToUnixTimeMilliseconds());
        TestEventLog.AssertSame(full, (await log.Store.FindAsync(full.Event.Id, None))!.Envelope);
        var found = await log.Store.FindAsync("sparse-1", None);
        Assert.Equal(appended[1].Position, found!.Position);
        TestEventLog.AssertSame(sparse, found.Envelope);
        var page = await log.Store.QueryAsync(new EventLogQuery(ClientId: "client-x"), None);
        TestEventLog.AssertSame(full, Assert.Single(page.Events).Envelope);
    }

    [Fact]
    public async Task Find_must_answer_null_for_an_unknown_id()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, [TestEventLog.Envelope()]);

        Assert.Null(await log.Store.FindAsync("no-such-event", None));
    }

    [Fact]
    public async Task An_event_id_already_logged_must_be_left_out_as_a_duplicate_without_failing_its_batch()
    {
        await using var log = await TestEventLog.Create();
        var once = TestEventLog.Envelope();
        await TestEventLog.Append(log.Store, [once]);

        var again = await TestEventLog.Append(log.Store, [TestEventLog.Envelope(), once, TestEventLog.Envelope()]);

        Assert.Equal(new AppendOutcome(2), again[0]);
        Assert.Equal(new AppendOutcome(0, once.Event.Id), again[1]);
        Assert.Equal(new AppendOutcome(3), again[2]);
        Assert.Equal(3, await log.Store.HeadAsync(None));
    }

    [Fact]
    public async Task Head_must_survive_a_purge_of_the_whole_log_so_positions_are_never_reused()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, Enumerable.Range(0, 10).Select(_ => TestEventLog.Envelope()));

        var purged = await log.Store.PurgeAsync(TestEventLog.Start.AddDays(1), 100, None);
        Assert.Equal(10, purged.Deleted);
        Assert.Empty(await log.Store.ReadAsync(0, 100, null, None));
        Assert.Equal(10, await log.Store.HeadAsync(None));

        var next = await TestEventLog.Append(log.Store, [TestEventLog.Envelope()], TestEventLog.Start.AddDays(2));
        Assert.Equal(11, Assert.Single(next).Position);
    }

    [Fact]
    public async Task Appended_at_must_never_go_back_even_when_the_appender_clock_does()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, [TestEventLog.Envelope()], TestEventLog.Start.AddSeconds(10));
        await TestEventLog.Append(log.Store, [TestEventLog.Envelope()], TestEventLog.Start);

        var read = await log.Store.ReadAsync(0, 10, null, None);
        Assert.Equal(read[0].AppendedAt, read[1].AppendedAt);
    }

    [Fact]
    public async Task Position_at_a_time_must_name_the_bounds_of_what_was_appended_around_it()
    {
        await using var log = await TestEventLog.Create();
        var t = TestEventLog.Start;
        for (var i = 0; i < 4; i++)
        {
            await TestEventLog.Append(log.Store, Enumerable.Range(0, 3).Select(_ => TestEventLog.Envelope()), t.AddSeconds(i));
        }

        // Batches: 1-3 at t, 4-6 at t+1s, 7-9 at t+2s, 10-12 at t+3s.
        Assert.Equal(3, await log.Store.PositionAtAsync(t.AddSeconds(1), atOrAfter: true, None));
        Assert.Equal(6, await log.Store.PositionAtAsync(t.AddSeconds(1), atOrAfter: false, None));
        Assert.Equal(6, await log.Store.PositionAtAsync(t.AddMilliseconds(1500), atOrAfter: true, None));
        Assert.Equal(6, await log.Store.PositionAtAsync(t.AddMilliseconds(1500), atOrAfter: false, None));
        Assert.Equal(0, await log.Store.PositionAtAsync(t.AddSeconds(-5), atOrAfter: true, None));
        Assert.Equal(0, await log.Store.PositionAtAsync(t.AddSeconds(-5), atOrAfter: false, None));
        Assert.Equal(12, await log.Store.PositionAtAsync(t.AddSeconds(9), atOrAfter: true, None));
        Assert.Equal(12, await log.Store.PositionAtAsync(t.AddSeconds(9), atOrAfter: false, None));

        await log.Store.PurgeAsync(t.AddSeconds(1), 100, None);
        Assert.Equal(3, await log.Store.PositionAtAsync(t, atOrAfter: true, None));
        Assert.Equal(3, await log.Store.PositionAtAsync(t, atOrAfter: false, None));
    }

    [Fact]
    public async Task The_log_must_live_beside_the_journal_in_its_own_sqlite_file_in_wal_mode_or_in_the_journal_postgres_database()
    {
        await using var log = await TestEventLog.Create();
        await TestEventLog.Append(log.Store, [TestEventLog.Envelope()]);

        await using var connection = await log.OpenDatabase();
        await using var command = connection.CreateCommand();
        if (log.OnPostgres)
        {
            command.CommandText = "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'oauth2_event_%'";
            Assert.Equal(4L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            var journal = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(log.Database.ConnectionString).DataSource;
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(journal)!, "oauth2-events.db")));
            command.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task A_purge_run_must_leave_the_planner_statistics_of_a_log_that_grew_fresh()
    {
        // The history query's plans depend on them; PostgreSQL's autovacuum alone fell behind a burst of appends.
        await using var log = await TestEventLog.Create();
        await using var connection = await log.OpenDatabase();
        await using var command = connection.CreateCommand();
        if (log.OnPostgres)
        {
            // Autovacuum analyzing the table first would leave the store nothing to do: keep it out of this table.
            command.CommandText = "ALTER TABLE oauth2_event_log SET (autovacuum_enabled = off)";
            await command.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < 12; i++)
        {
            await TestEventLog.Append(log.Store, Enumerable.Range(0, 1_000).Select(_ => TestEventLog.Envelope()));
        }

        command.CommandText = log.OnPostgres
            ? "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relid = 'oauth2_event_log'::regclass"
            : "SELECT count(*) > 0 FROM sqlite_stat1 WHERE tbl = 'oauth2_event_log'";

        // PostgreSQL's activity counters reach pg_stat_user_tables within a second or so: the next run sees them.
        await Eventually.Until(
            async () =>
            {
                await log.Store.PurgeAsync(TestEventLog.Start.AddDays(-1), 1_000, CancellationToken.None);
                return Convert.ToBoolean(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            },
            analyzed => analyzed,
            "planner statistics of the event log after a purge run",
            TimeSpan.FromSeconds(20));
    }
}
