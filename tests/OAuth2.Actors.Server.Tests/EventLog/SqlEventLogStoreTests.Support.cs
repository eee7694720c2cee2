using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.EventLog;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// A store on a database of its own: SQLite in a fresh data directory, or (OAUTH2_TEST_DATABASE=postgres) a fresh
/// PostgreSQL database. <see cref="OpenAnother"/> opens a second store on the same database, as a second node would.
/// </summary>
internal sealed class TestEventLog : IAsyncDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    private readonly List<SqlEventLogStore> _stores = [];
    private readonly string? _directory;
    private readonly string? _postgresUrl;

    private TestEventLog(DatabaseSettings database, string? directory, string? postgresUrl)
    {
        Database = database;
        _directory = directory;
        _postgresUrl = postgresUrl;
    }

    public DatabaseSettings Database { get; }

    public SqlEventLogStore Store => _stores[0];

    public bool OnPostgres => _postgresUrl is not null;

    public static async Task<TestEventLog> Create()
    {
        TestEventLog log;
        if (TestDatabases.PostgresAdminUrl is not null)
        {
            var url = await TestDatabases.Create();
            log = new TestEventLog(DatabaseSettings.From(new OAuth2Options { DatabaseUrl = url }), null, url);
        }
        else
        {
            var directory = DataDirectories.New();
            log = new TestEventLog(DatabaseSettings.From(new OAuth2Options { DataDirectory = directory }), directory, null);
        }

        await log.OpenAnother();
        return log;
    }

    public async Task<SqlEventLogStore> OpenAnother()
    {
        var store = new SqlEventLogStore(Database);
        await store.InitializeAsync(CancellationToken.None);
        _stores.Add(store);
        return store;
    }

    /// <summary>A connection of the test's own to the log's database (SQLite: the events file beside the journal).</summary>
    public async Task<System.Data.Common.DbConnection> OpenDatabase()
    {
        System.Data.Common.DbConnection connection = OnPostgres
            ? Database.CreateConnection()
            : new Microsoft.Data.Sqlite.SqliteConnection(SqliteEventLogDialect.ConnectionStringFor(Database.ConnectionString));
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgresUrl is not null)
        {
            await TestDatabases.Drop(_postgresUrl);
        }

        if (_directory is not null)
        {
            DataDirectories.Delete(_directory);
        }
    }

    public static EventEnvelope Envelope(
        EventType type = EventType.TokenCreated,
        string? clientId = "client-a",
        string? userId = "user-a",
        EventSeverity severity = EventSeverity.Info,
        DateTimeOffset? timestamp = null,
        string? idempotencyKey = null,
        string? id = null) =>
        new(
            new AuthEvent(
                id ?? Guid.NewGuid().ToString(),
                type,
                timestamp ?? Start,
                severity,
                userId,
                clientId,
                new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "read write" },
                severity == EventSeverity.Info ? null : "invalid_grant"),
            idempotencyKey,
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            null,
            "correlation-1",
            "test-node",
            timestamp ?? Start,
            new Dictionary<string, string> { ["tenant"] = "t1" });

    public static Task<IReadOnlyList<AppendOutcome>> Append(IEventLogStore store, IEnumerable<EventEnvelope> envelopes, DateTimeOffset? now = null) =>
        store.AppendAsync(envelopes.Select(e => new LogAppend(e)).ToList(), now ?? Start, Window, CancellationToken.None);

    /// <summary>Equal as a reader of the log sees them: every field, the dictionaries by content, times to the millisecond.</summary>
    public static void AssertSame(EventEnvelope expected, EventEnvelope actual)
    {
        Assert.Equal(expected.Event.Id, actual.Event.Id);
        Assert.Equal(expected.Event.EventType, actual.Event.EventType);
        Assert.Equal(expected.Event.Timestamp.ToUnixTimeMilliseconds(), actual.Event.Timestamp.ToUnixTimeMilliseconds());
        Assert.Equal(expected.Event.Severity, actual.Event.Severity);
        Assert.Equal(expected.Event.UserId, actual.Event.UserId);
        Assert.Equal(expected.Event.ClientId, actual.Event.ClientId);
        Assert.Equal(expected.Event.Error, actual.Event.Error);
        Assert.Equal(expected.Event.Metadata.OrderBy(p => p.Key), actual.Event.Metadata.OrderBy(p => p.Key));
        Assert.Equal(expected.IdempotencyKey, actual.IdempotencyKey);
        Assert.Equal(expected.Traceparent, actual.Traceparent);
        Assert.Equal(expected.Tracestate, actual.Tracestate);
        Assert.Equal(expected.CorrelationId, actual.CorrelationId);
        Assert.Equal(expected.Producer, actual.Producer);
        Assert.Equal(expected.ProducedAt.ToUnixTimeMilliseconds(), actual.ProducedAt.ToUnixTimeMilliseconds());
        Assert.Equal(expected.Attributes.OrderBy(p => p.Key), actual.Attributes.OrderBy(p => p.Key));
    }
}
