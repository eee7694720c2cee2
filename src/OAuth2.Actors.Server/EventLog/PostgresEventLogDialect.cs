using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The log in the journal's PostgreSQL database (tables prefixed <c>oauth2_event_</c>), one log for every node of the
/// cluster. Every append transaction starts with <c>pg_advisory_xact_lock</c> on one key, so appends from all nodes are
/// serialized and commit in position order: a reader that sees position p has seen every committed position below it.
/// Rows go in with binary COPY (see <see cref="Bulk"/> for what was measured against a multi-row insert).
/// </summary>
internal sealed class PostgresEventLogDialect(DatabaseSettings database) : EventLogDialect
{
    /// <summary>The advisory lock every appender takes ("oauth2ev" in ASCII).</summary>
    public const long AppendLockKey = 0x6F61757468326576;

    /// <summary>Taken while creating the schema, so nodes starting together do not race on CREATE TABLE.</summary>
    public const long SchemaLockKey = 0x6F61757468327363;

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(database.ConnectionString);

    /// <summary>How rows are inserted. COPY is the default; the benchmark measures both (docs/benchmarks.md).</summary>
    public BulkInsert Bulk { get; set; } = BulkInsert.Copy;

    public enum BulkInsert
    {
        Copy,
        Unnest,
    }

    public override IReadOnlyList<string> Schema { get; } =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Log} (
            position bigint PRIMARY KEY, event_id text NOT NULL, event_type smallint NOT NULL, severity smallint NOT NULL,
            client_id text, user_id text, event_time bigint NOT NULL, appended_at bigint NOT NULL, envelope json NOT NULL)
        """,
        .. EventLogSchema.Indexes,
        $"CREATE TABLE IF NOT EXISTS {Head} (id smallint PRIMARY KEY, position bigint NOT NULL, appended_at bigint NOT NULL)",
        $"INSERT INTO {Head} (id, position, appended_at) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING",
        $"CREATE TABLE IF NOT EXISTS {Keys} (idempotency_key text PRIMARY KEY, event_id text NOT NULL, first_seen bigint NOT NULL)",
        EventLogSchema.KeysIndex,
        $"""
        CREATE TABLE IF NOT EXISTS {Sinks} (
            sink text PRIMARY KEY, position bigint NOT NULL, paused boolean NOT NULL, lost bigint NOT NULL,
            owner text, lease_until bigint)
        """,
    ];

    public override string IndexedBy(string index) => string.Empty;

    public override string Greatest(string a, string b) => $"GREATEST({a}, {b})";

    public override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken);

    public override Task CreateAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken) =>
        Transaction(SchemaLockKey, async (connection, transaction, ct) =>
        {
            foreach (var statement in statements)
            {
                await using var command = Command(connection, transaction, statement);
                await command.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, cancellationToken);

    public override Task<T> WriteAsync<T>(bool append, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> body, CancellationToken cancellationToken) =>
        Transaction(append ? AppendLockKey : null, body, cancellationToken);

    public override async Task InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventLogRow> rows, CancellationToken cancellationToken)
    {
        if (Bulk == BulkInsert.Copy)
        {
            await CopyAsync((NpgsqlConnection)connection, rows, cancellationToken);
        }
        else
        {
            await UnnestAsync(connection, transaction, rows, cancellationToken);
        }
    }

    /// <summary>
    /// Analyzes the log when a tenth of it (and at least 10,000 rows) changed since its statistics were taken. Autovacuum
    /// does the same on its own schedule, which falls behind a burst of appends (its workers also serve the journal's
    /// tables): with statistics from when the log was a fraction of its size, the planner may read a whole
    /// 1,000,000-event log for one page. A sampled ANALYZE costs a fraction of a second, about once a minute at most.
    /// </summary>
    public override async Task MaintainAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var stale = Command(connection, null,
            "SELECT n_mod_since_analyze >= greatest(10000, n_live_tup / 10) OR (last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0) " +
            $"FROM pg_stat_user_tables WHERE relid = '{Log}'::regclass");
        if (await stale.ExecuteScalarAsync(cancellationToken) is true)
        {
            await using var analyze = Command(connection, null, $"ANALYZE {Log}");
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public override bool IsUniqueViolation(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _source.DisposeAsync();

    private async Task<T> Transaction<T>(long? lockKey, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        if (lockKey is { } key)
        {
            await using var command = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)");
            Add(command, "@key", key);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var result = await body(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, IReadOnlyList<EventLogRow> rows, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {Log} ({EventLogRow.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(row.Position, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.EventId, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(row.EventType, NpgsqlDbType.Smallint, cancellationToken);
            await importer.WriteAsync(row.Severity, NpgsqlDbType.Smallint, cancellationToken);
            await WriteNullableAsync(importer, row.ClientId, cancellationToken);
            await WriteNullableAsync(importer, row.UserId, cancellationToken);
            await importer.WriteAsync(row.Timestamp, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.AppendedAt, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.EnvelopeJson(), NpgsqlDbType.Json, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await importer.WriteNullAsync(cancellationToken);
        }
        else
        {
            await importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
        }
    }

    private static async Task UnnestAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventLogRow> rows, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"""
            INSERT INTO {Log} ({EventLogRow.Columns})
            SELECT p, e, t, s, c, u, ts, a, env::json
            FROM unnest(@p, @e, @t, @s, @c, @u, @ts, @a, @env) AS x(p, e, t, s, c, u, ts, a, env)
            """);
        Add(command, "@p", rows.Select(r => r.Position).ToArray());
        Add(command, "@e", rows.Select(r => r.EventId).ToArray());
        Add(command, "@t", rows.Select(r => r.EventType).ToArray());
        Add(command, "@s", rows.Select(r => r.Severity).ToArray());
        Add(command, "@c", rows.Select(r => r.ClientId).ToArray());
        Add(command, "@u", rows.Select(r => r.UserId).ToArray());
        Add(command, "@ts", rows.Select(r => r.Timestamp).ToArray());
        Add(command, "@a", rows.Select(r => r.AppendedAt).ToArray());
        Add(command, "@env", rows.Select(r => r.EnvelopeJson()).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
