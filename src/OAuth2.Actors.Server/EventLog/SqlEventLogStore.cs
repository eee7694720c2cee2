using System.Data.Common;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The durable event log in the server's database: SQLite (a file of its own beside the journal) by default, the
/// journal's PostgreSQL database when OAUTH2_DATABASE_URL names one. Tables: <c>oauth2_event_log</c> (the events, by
/// position), <c>oauth2_event_head</c> (the last position ever assigned: never reused, even after a full purge),
/// <c>oauth2_event_idempotency</c> (ingest keys) and <c>oauth2_event_sinks</c> (cursor, pause, loss and lease per sink).
/// Times are unix milliseconds.
/// </summary>
public sealed partial class SqlEventLogStore : IEventLogStore, IAsyncDisposable
{
    private readonly EventLogDialect _dialect;

    public SqlEventLogStore(DatabaseSettings database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dialect = database.IsSqlite ? new SqliteEventLogDialect(database) : new PostgresEventLogDialect(database);
    }

    /// <summary>For the benchmark: how PostgreSQL inserts a batch (ignored on SQLite).</summary>
    internal void UsePostgresBulkInsert(PostgresEventLogDialect.BulkInsert bulk)
    {
        if (_dialect is PostgresEventLogDialect postgres)
        {
            postgres.Bulk = bulk;
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => _dialect.InitializeAsync(cancellationToken);

    public async Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null, $"SELECT position FROM {EventLogDialect.Head} WHERE id = 1");
        return await command.ExecuteScalarAsync(cancellationToken) is { } head and not DBNull ? Convert.ToInt64(head, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    public async Task<IReadOnlyList<LoggedEvent>> ReadAsync(long after, int limit, long? upTo, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null,
            $"SELECT {EventLogRow.ReadColumns} FROM {EventLogDialect.Log} WHERE position > @after{(upTo is null ? string.Empty : " AND position <= @upTo")} ORDER BY position LIMIT @limit");
        EventLogDialect.Add(command, "@after", after);
        EventLogDialect.Add(command, "@limit", limit);
        if (upTo is { } last)
        {
            EventLogDialect.Add(command, "@upTo", last);
        }

        return await EventLogRow.ReadAllAsync(command, Math.Min(limit, 10_000), cancellationToken);
    }

    public async Task<EventLogPage> QueryAsync(EventLogQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, EventLogQuerySql.MaxLimit);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogQuerySql.Build(connection, query, limit + 1);
        var events = await EventLogRow.ReadAllAsync(command, limit + 1, cancellationToken);
        if (events.Count <= limit)
        {
            return new EventLogPage(events, null);
        }

        events.RemoveAt(limit);
        return new EventLogPage(events, events[^1].Position);
    }

    public async Task<LoggedEvent?> FindAsync(string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null,
            $"SELECT {EventLogRow.ReadColumns} FROM {EventLogDialect.Log} WHERE event_id = @id");
        EventLogDialect.Add(command, "@id", eventId);
        var found = await EventLogRow.ReadAllAsync(command, 1, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <remarks>
    /// <c>appended_at</c> never decreases with the position (the appender stamps a batch no earlier than the head's), so
    /// this is a binary search over the positions the log holds (they are contiguous: only the oldest are ever purged).
    /// </remarks>
    public async Task<long> PositionAtAsync(DateTimeOffset time, bool atOrAfter, CancellationToken cancellationToken)
    {
        var at = time.ToUnixTimeMilliseconds();
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        long first, last;
        await using (var bounds = EventLogDialect.Command(connection, null, $"SELECT min(position), max(position) FROM {EventLogDialect.Log}"))
        await using (var reader = await bounds.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
            {
                await reader.DisposeAsync();
                return await HeadAsync(cancellationToken);
            }

            (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        await using var probe = EventLogDialect.Command(connection, null,
            $"SELECT appended_at FROM {EventLogDialect.Log} WHERE position >= @p ORDER BY position LIMIT 1");
        var parameter = EventLogDialect.Add(probe, "@p", first);

        // The first position whose appended_at is >= at (atOrAfter) or > at (otherwise); last + 1 when there is none.
        var (low, high) = (first, last + 1);
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            parameter.Value = middle;
            var appendedAt = await probe.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull
                ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
                : long.MaxValue;
            if (atOrAfter ? appendedAt >= at : appendedAt > at)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low - 1;
    }

    public ValueTask DisposeAsync() => _dialect.DisposeAsync();

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = EventLogDialect.Command(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            EventLogDialect.Add(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
