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

    /// <summary>The database the log is in: other tables kept beside the log (the webhooks') share its connections and writer.</summary>
    internal EventLogDialect Dialect => _dialect;

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
        var span = EventLogQuerySql.PunctualSpan;
        long? above = null, upTo = null;
        var empty = false;
        if (query.From is { } from)
        {
            // Punctual events with a timestamp at or after From were appended at or after From - span.
            above = await PositionAtAsync(connection, from.ToUnixTimeMilliseconds() - span, true, cancellationToken);
            empty |= above is null;
        }

        if (query.To is { } to)
        {
            // ... and those with a timestamp before To were appended before To + span.
            upTo = await PositionAtAsync(connection, to.ToUnixTimeMilliseconds() + span, true, cancellationToken);
            empty |= upTo is null;
        }

        if (empty)
        {
            return new EventLogPage([], null);
        }

        await using var command = EventLogQuerySql.Build(connection, _dialect, query, limit + 1, above, upTo);
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
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        return await PositionAtAsync(connection, time.ToUnixTimeMilliseconds(), atOrAfter, cancellationToken)
            ?? await HeadAsync(cancellationToken);
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
