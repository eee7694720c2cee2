using System.Data.Common;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>The sinks' rows (cursor, pause, loss, lease) and the retention purge that accounts for what they lose.</summary>
public sealed partial class SqlEventLogStore
{
    private const string SinkColumns = "sink, position, paused, lost, owner, lease_until";

    private static readonly string CreateSink =
        $"INSERT INTO {EventLogDialect.Sinks} ({SinkColumns}) SELECT @sink, position, @no, 0, NULL, NULL FROM {EventLogDialect.Head} WHERE id = 1 ON CONFLICT (sink) DO NOTHING";

    public Task EnsureSinksAsync(IReadOnlyCollection<string> sinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        return _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            foreach (var sink in sinks)
            {
                await ExecuteAsync(connection, transaction, CreateSink, ct, ("@sink", sink), ("@no", false));
            }

            return true;
        }, cancellationToken);
    }

    public Task<SinkCursor?> ClaimSinkAsync(string sink, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            // A sink nobody ensured yet starts at the head, as EnsureSinksAsync would have started it.
            await ExecuteAsync(connection, transaction, CreateSink, ct, ("@sink", sink), ("@no", false));
            return await SinkRowAsync(connection, transaction, $"""
                UPDATE {EventLogDialect.Sinks} SET owner = @owner, lease_until = @until
                WHERE sink = @sink AND (owner IS NULL OR owner = @owner OR lease_until IS NULL OR lease_until <= @now)
                RETURNING {SinkColumns}
                """, ct, ("@sink", sink), ("@owner", owner), ("@now", now.ToUnixTimeMilliseconds()), ("@until", (now + lease).ToUnixTimeMilliseconds()));
        }, cancellationToken);

    public Task<SinkCursor?> CommitSinkAsync(string sink, string owner, long position, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        _dialect.WriteAsync(false, (connection, transaction, ct) => SinkRowAsync(connection, transaction, $"""
            UPDATE {EventLogDialect.Sinks} SET position = {_dialect.Greatest("position", "@position")}, lease_until = @until
            WHERE sink = @sink AND owner = @owner
            RETURNING {SinkColumns}
            """, ct, ("@sink", sink), ("@owner", owner), ("@position", position), ("@until", (now + lease).ToUnixTimeMilliseconds())), cancellationToken);

    public Task ReleaseSinkAsync(string sink, string owner, long position, CancellationToken cancellationToken) =>
        _dialect.WriteAsync(false, (connection, transaction, ct) => ExecuteAsync(connection, transaction, $"""
            UPDATE {EventLogDialect.Sinks} SET position = {_dialect.Greatest("position", "@position")}, owner = NULL, lease_until = NULL
            WHERE sink = @sink AND owner = @owner
            """, ct, ("@sink", sink), ("@owner", owner), ("@position", position)), cancellationToken);

    public Task SetSinkPausedAsync(string sink, bool paused, CancellationToken cancellationToken) =>
        _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            await ExecuteAsync(connection, transaction, CreateSink, ct, ("@sink", sink), ("@no", false));
            return await ExecuteAsync(connection, transaction, $"UPDATE {EventLogDialect.Sinks} SET paused = @paused WHERE sink = @sink", ct,
                ("@sink", sink), ("@paused", paused));
        }, cancellationToken);

    public Task DeleteSinkAsync(string sink, CancellationToken cancellationToken) =>
        _dialect.WriteAsync(false, (connection, transaction, ct) =>
            ExecuteAsync(connection, transaction, $"DELETE FROM {EventLogDialect.Sinks} WHERE sink = @sink", ct, ("@sink", sink)), cancellationToken);

    public async Task<IReadOnlyList<SinkCursor>> SinksAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null, $"SELECT {SinkColumns} FROM {EventLogDialect.Sinks} ORDER BY sink");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sinks = new List<SinkCursor>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sinks.Add(ReadSink(reader));
        }

        return sinks;
    }

    /// <remarks>
    /// The log always holds one contiguous run of positions (only its oldest are deleted), so a purge deletes a range
    /// <c>[low, high]</c> and a sink whose cursor c is below <c>high</c> lost <c>high - max(c, low - 1)</c> events. Two
    /// nodes purging at once on PostgreSQL: the second one's delete finds the rows the first deleted gone and counts only
    /// what it deleted itself (a suffix of its range), so no loss is counted twice.
    /// </remarks>
    public async Task<PurgeOutcome> PurgeAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        var outcome = await DeleteOldestAsync(olderThan, batchSize, cancellationToken);
        if (outcome.Deleted < batchSize)
        {
            // The end of a purge run (about once a minute per node): a moment to refresh the planner's statistics.
            // The delete is committed: a failure here is reported with it, not in place of it.
            try
            {
                await _dialect.MaintainAsync(cancellationToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
            {
                return outcome with { MaintenanceError = e.GetType().Name + ": " + e.Message };
            }
        }

        return outcome;
    }

    private Task<PurgeOutcome> DeleteOldestAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var bound = olderThan.ToUnixTimeMilliseconds();
        return _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            long? low = null, high = null;
            await using (var oldest = EventLogDialect.Command(connection, transaction,
                $"SELECT position, appended_at FROM {EventLogDialect.Log} ORDER BY position LIMIT @batch"))
            {
                EventLogDialect.Add(oldest, "@batch", batchSize);
                await using var reader = await oldest.ExecuteReaderAsync(ct);
                // appended_at only grows with the position: the events to purge are a prefix of the oldest.
                while (await reader.ReadAsync(ct) && reader.GetInt64(1) < bound)
                {
                    low ??= reader.GetInt64(0);
                    high = reader.GetInt64(0);
                }
            }

            if (low is null || high is null)
            {
                return new PurgeOutcome(0, new Dictionary<string, long>());
            }

            var deleted = await ExecuteAsync(connection, transaction, $"DELETE FROM {EventLogDialect.Log} WHERE position >= @low AND position <= @high", ct,
                ("@low", low.Value), ("@high", high.Value));
            if (deleted == 0)
            {
                return new PurgeOutcome(0, new Dictionary<string, long>());
            }

            var lost = $"@high - {_dialect.Greatest("position", "@below")}";
            await using var update = EventLogDialect.Command(connection, transaction,
                $"UPDATE {EventLogDialect.Sinks} SET lost = lost + {lost} WHERE position < @high RETURNING sink, {lost}");
            EventLogDialect.Add(update, "@high", high.Value);
            EventLogDialect.Add(update, "@below", high.Value - deleted);
            var bySink = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var reader = await update.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    bySink[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            return new PurgeOutcome(deleted, bySink);
        }, cancellationToken);
    }

    public Task<int> PurgeIdempotencyKeysAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return _dialect.WriteAsync(false, (connection, transaction, ct) => ExecuteAsync(connection, transaction, $"""
            DELETE FROM {EventLogDialect.Keys} WHERE idempotency_key IN
                (SELECT idempotency_key FROM {EventLogDialect.Keys} WHERE first_seen < @bound ORDER BY first_seen LIMIT @batch)
            """, ct, ("@bound", olderThan.ToUnixTimeMilliseconds()), ("@batch", batchSize)), cancellationToken);
    }

    private static async Task<SinkCursor?> SinkRowAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = EventLogDialect.Command(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            EventLogDialect.Add(command, name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSink(reader) : null;
    }

    private static SinkCursor ReadSink(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1),
        reader.GetBoolean(2),
        reader.GetInt64(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));
}
