using System.Data.Common;
using Microsoft.Data.Sqlite;

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

    private readonly string _connectionString;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _writer;
    private SqliteCommand? _insert;

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

    public override Task InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventLogRow> rows, CancellationToken cancellationToken)
    {
        var insert = _insert ??= PrepareInsert((SqliteConnection)connection);
        insert.Transaction = (SqliteTransaction)transaction;
        var p = insert.Parameters;
        foreach (var row in rows)
        {
            p[0].Value = row.Position;
            p[1].Value = row.EventId;
            p[2].Value = row.EventType;
            p[3].Value = row.Severity;
            p[4].Value = (object?)row.ClientId ?? DBNull.Value;
            p[5].Value = (object?)row.UserId ?? DBNull.Value;
            p[6].Value = row.Timestamp;
            p[7].Value = row.AppendedAt;
            p[8].Value = row.Envelope;
            insert.ExecuteNonQuery();
        }

        return Task.CompletedTask;
    }

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
            pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
            pragmas.ExecuteNonQuery();
        }

        return _writer = writer;
    }

    private static SqliteCommand PrepareInsert(SqliteConnection connection)
    {
        var insert = connection.CreateCommand();
        insert.CommandText = $"INSERT INTO {Log} ({EventLogRow.Columns}) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)";
        for (var i = 0; i < 9; i++)
        {
            insert.Parameters.Add(new SqliteParameter("@p" + i, null));
        }

        insert.Prepare();
        return insert;
    }
}
