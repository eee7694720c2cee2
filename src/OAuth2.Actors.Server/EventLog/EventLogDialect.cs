using System.Data.Common;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// What differs between the databases the log lives in: how connections are had, how a write transaction is taken (and
/// serialized with the other appenders), the schema's types, and how a batch of rows goes in fastest.
/// </summary>
internal abstract class EventLogDialect : IAsyncDisposable
{
    public const string Log = "oauth2_event_log";
    public const string Head = "oauth2_event_head";
    public const string Keys = "oauth2_event_idempotency";
    public const string Sinks = "oauth2_event_sinks";

    /// <summary>The statements that create what is missing (idempotent, run under a lock where nodes may race).</summary>
    public abstract IReadOnlyList<string> Schema { get; }

    /// <summary>What follows a table's name to make the query use <paramref name="index"/> (SQLite's planner needs it).</summary>
    public abstract string IndexedBy(string index);

    /// <summary>SQL for the larger of two expressions.</summary>
    public abstract string Greatest(string a, string b);

    /// <summary>A connection for reading (pooled; readers never wait for the appender).</summary>
    public abstract Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> in a write transaction and commits it. With <paramref name="append"/> the transaction
    /// first takes the lock that serializes appends, so positions are assigned and committed in order.
    /// </summary>
    public abstract Task<T> WriteAsync<T>(bool append, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> body, CancellationToken cancellationToken);

    /// <summary>Inserts <paramref name="rows"/> (in position order) in the open transaction.</summary>
    public abstract Task InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventLogRow> rows, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation (an event id appended twice).</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>Creates the schema (<see cref="Schema"/>).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) => CreateAsync(Schema, cancellationToken);

    /// <summary>
    /// Runs idempotent schema statements (the log's, or another table set kept in the same database, such as the
    /// webhooks'); the default runs them in one write transaction.
    /// </summary>
    public virtual Task CreateAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken) =>
        WriteAsync(false, async (connection, transaction, ct) =>
        {
            foreach (var statement in statements)
            {
                await using var command = Command(connection, transaction, statement);
                await command.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, cancellationToken);

    /// <summary>After a purge: lets the database refresh what its planner knows of the tables (nothing by default).</summary>
    public virtual Task MaintainAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract ValueTask DisposeAsync();

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
