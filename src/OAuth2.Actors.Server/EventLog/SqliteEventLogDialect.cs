using System.Buffers;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using OAuth2.Actors.Events;
using SQLitePCL;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The log in a SQLite file of its own beside the journal (<c>oauth2-events.db</c> next to <c>oauth2.db</c>), so appends
/// never wait on the journal's writer lock. WAL with <c>synchronous=NORMAL</c>: a commit survives the process being
/// killed (only a power loss can take the last commits back). One kept-open writer connection with a prepared insert
/// serves every write of this process, one at a time; readers use pooled connections and never wait for it.
/// </summary>
internal sealed class SqliteEventLogDialect : EventLogDialect
{
    public const string FileName = "oauth2-events.db";

    /// <summary>
    /// The writer's page cache. Appends touch the right edge of most indexes but random pages of the event id, client
    /// and user indexes; with SQLite's default 2 MiB most of those pages are read again for every batch.
    /// </summary>
    internal static int WriterCacheKiB { get; set; } = 65_536;

    /// <summary>
    /// WAL pages before a checkpoint copies them into the file (SQLite's default: 1,000). A batch dirties a few thousand
    /// pages (the event id, client and user indexes take their inserts at random places), so with the default every
    /// commit was followed by a checkpoint and its fsync; at 64 MiB a page dirtied by many batches is copied once.
    /// </summary>
    internal static int CheckpointPages { get; set; } = 16_384;

    /// <summary>What the writer connection is opened with (bench/event-log.sh --floor opens its bare inserts' the same way).</summary>
    internal static string WriterPragmas =>
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA cache_size=-{WriterCacheKiB}; PRAGMA wal_autocheckpoint={CheckpointPages};";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _writer;
    private sqlite3_stmt? _insert;

    /// <summary>The envelope being inserted, as UTF-8 JSON: SQLite copies it from here, so one buffer serves every row.</summary>
    private ArrayBufferWriter<byte> _json = new(4096);

    public SqliteEventLogDialect(DatabaseSettings database)
    {
        _connectionString = ConnectionStringFor(database.ConnectionString);
    }

    /// <summary>The events database for the journal's connection string: the same directory, its own file.</summary>
    public static string ConnectionStringFor(string journalConnectionString)
    {
        var journal = new SqliteConnectionStringBuilder(journalConnectionString);
        var events = new SqliteConnectionStringBuilder { Pooling = true, DefaultTimeout = 30 };
        if (journal.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(journal.DataSource) || journal.DataSource == ":memory:")
        {
            // A journal in memory (tests): the log in a shared in-memory database the writer connection keeps alive.
            events.DataSource = "oauth2-events-" + Guid.NewGuid().ToString("N");
            events.Mode = SqliteOpenMode.Memory;
            events.Cache = SqliteCacheMode.Shared;
        }
        else
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(journal.DataSource)) ?? ".";
            events.DataSource = Path.Combine(directory, FileName);
        }

        return events.ToString();
    }

    public override IReadOnlyList<string> Schema { get; } =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Log} (
            position INTEGER PRIMARY KEY, event_id TEXT NOT NULL, event_type INTEGER NOT NULL, severity INTEGER NOT NULL,
            client_id TEXT, user_id TEXT, event_time INTEGER NOT NULL, appended_at INTEGER NOT NULL, envelope TEXT NOT NULL)
        """,
        .. EventLogSchema.Indexes,
        $"CREATE TABLE IF NOT EXISTS {Head} (id INTEGER PRIMARY KEY, position INTEGER NOT NULL, appended_at INTEGER NOT NULL)",
        $"INSERT INTO {Head} (id, position, appended_at) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING",
        $"CREATE TABLE IF NOT EXISTS {Keys} (idempotency_key TEXT PRIMARY KEY, event_id TEXT NOT NULL, first_seen INTEGER NOT NULL)",
        EventLogSchema.KeysIndex,
        $"""
        CREATE TABLE IF NOT EXISTS {Sinks} (
            sink TEXT PRIMARY KEY, position INTEGER NOT NULL, paused INTEGER NOT NULL, lost INTEGER NOT NULL,
            owner TEXT, lease_until INTEGER)
        """,
    ];

    // Left alone, SQLite walks the whole table in position order rather than the small index of late events and a sort.
    public override string IndexedBy(string index) => $" INDEXED BY {index}";

    public override string Greatest(string a, string b) => $"max({a}, {b})";

    public override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public override async Task<T> WriteAsync<T>(bool append, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var writer = Writer();
            // BEGIN IMMEDIATE: the file's write lock from the start (another process on the same file waits its busy timeout).
            await using var transaction = writer.BeginTransaction(deferred: false);
            var result = await body(writer, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Through SQLite's own statement API (SQLitePCL, under Microsoft.Data.Sqlite, on the same connection and transaction):
    /// the envelope is bound as the UTF-8 its writer produced and the numbers without boxing, where a parameterized
    /// command would have made a string of the JSON, encoded it back to UTF-8 and boxed every value, for each event.
    /// </summary>
    public override Task InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventLogRow> rows, CancellationToken cancellationToken)
    {
        var db = ((SqliteConnection)connection).Handle!;
        var insert = _insert ??= Prepare(db, $"INSERT INTO {Log} ({EventLogRow.Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        foreach (var row in rows)
        {
            _json.ResetWrittenCount();
            EventJson.SerializeTo(row.Envelope, _json);
            try
            {
                raw.sqlite3_bind_int64(insert, 1, row.Position);
                raw.sqlite3_bind_text(insert, 2, row.EventId);
                raw.sqlite3_bind_int(insert, 3, row.EventType);
                raw.sqlite3_bind_int(insert, 4, row.Severity);
                BindNullable(insert, 5, row.ClientId);
                BindNullable(insert, 6, row.UserId);
                raw.sqlite3_bind_int64(insert, 7, row.Timestamp);
                raw.sqlite3_bind_int64(insert, 8, row.AppendedAt);
                raw.sqlite3_bind_text(insert, 9, _json.WrittenSpan);
                var rc = raw.sqlite3_step(insert);
                if (rc != raw.SQLITE_DONE)
                {
                    // The extended code too (a unique violation is what AppendAsync retries on).
                    SqliteException.ThrowExceptionForRC(rc, db);
                }
            }
            finally
            {
                raw.sqlite3_reset(insert);
            }
        }

        if (_json.Capacity > 64 * 1024)
        {
            // A large ingested envelope grew it: not kept for the small ones that follow.
            _json = new ArrayBufferWriter<byte>(4096);
        }

        return Task.CompletedTask;
    }

    private static void BindNullable(sqlite3_stmt statement, int index, string? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(statement, index);
        }
        else
        {
            raw.sqlite3_bind_text(statement, index, value);
        }
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        return statement;
    }

    /// <summary>
    /// SQLite keeps no statistics by itself; without them it may walk the event type index where the client's would
    /// find a page at once. <c>PRAGMA optimize</c> analyzes (with a bounded sample) only the tables that changed a lot.
    /// </summary>
    public override Task MaintainAsync(CancellationToken cancellationToken) =>
        WriteAsync(false, async (connection, transaction, ct) =>
        {
            await using var command = Command(connection, transaction, "PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002");
            await command.ExecuteNonQueryAsync(ct);
            return true;
        }, cancellationToken);

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public override async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _insert?.Dispose();
            _insert = null;
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteConnection Writer()
    {
        if (_writer is not null)
        {
            return _writer;
        }

        var writer = new SqliteConnection(_connectionString);
        writer.Open();
        using (var pragmas = writer.CreateCommand())
        {
            pragmas.CommandText = WriterPragmas;
            pragmas.ExecuteNonQuery();
        }

        return _writer = writer;
    }
}
