using OAuth2.Actors.Server.EventLog;

namespace OAuth2.Actors.Server.Webhooks;

/// <summary>
/// The webhook tables, in the event log's database (SQLite: the log's own file; PostgreSQL: the journal's database).
/// Times are unix microseconds: an attempts page continues from the time of the last attempt shown, so two attempts
/// in the same millisecond must still be told apart.
/// </summary>
/// <remarks>
/// <c>oauth2_webhook_endpoints</c>: one row per endpoint, its event types and secrets as JSON (each secret's value
/// protected with the key-encryption key when one is configured). <c>oauth2_webhook_retries</c>: one row per endpoint and
/// event with an attempt scheduled, found by due time. <c>oauth2_webhook_attempts</c>: the attempts log, read newest first
/// per endpoint (or per endpoint and event), purged by time; <c>seq</c> orders attempts recorded in the same microsecond.
/// </remarks>
internal static class WebhookSchema
{
    public const string Endpoints = "oauth2_webhook_endpoints";
    public const string Retries = "oauth2_webhook_retries";
    public const string Attempts = "oauth2_webhook_attempts";

    public const string EndpointColumns = "id, url, event_types, format, enabled, description, secrets, created_at, updated_at, failing_since, disabled_at, disabled_reason";
    public const string RetryColumns = "endpoint_id, event_id, position, attempt, due_at";
    public const string AttemptColumns = "endpoint_id, event_id, position, attempt, at, status, error, latency_us, response_body, outcome, next_attempt_at";

    private static readonly string[] Indexes =
    [
        $"CREATE INDEX IF NOT EXISTS {Retries}_due ON {Retries} (endpoint_id, due_at)",
        $"CREATE INDEX IF NOT EXISTS {Attempts}_recent ON {Attempts} (endpoint_id, at DESC, seq DESC)",
        $"CREATE INDEX IF NOT EXISTS {Attempts}_event ON {Attempts} (endpoint_id, event_id)",
        // The retention purge deletes by time across endpoints.
        $"CREATE INDEX IF NOT EXISTS {Attempts}_at ON {Attempts} (at)",
    ];

    private static readonly IReadOnlyList<string> Sqlite =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Endpoints} (
            id TEXT PRIMARY KEY, url TEXT NOT NULL, event_types TEXT NOT NULL, format TEXT NOT NULL, enabled INTEGER NOT NULL,
            description TEXT, secrets TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            failing_since INTEGER, disabled_at INTEGER, disabled_reason TEXT)
        """,
        $"""
        CREATE TABLE IF NOT EXISTS {Retries} (
            endpoint_id TEXT NOT NULL, event_id TEXT NOT NULL, position INTEGER NOT NULL, attempt INTEGER NOT NULL,
            due_at INTEGER NOT NULL, PRIMARY KEY (endpoint_id, event_id))
        """,
        $"""
        CREATE TABLE IF NOT EXISTS {Attempts} (
            seq INTEGER PRIMARY KEY, endpoint_id TEXT NOT NULL, event_id TEXT NOT NULL, position INTEGER NOT NULL,
            attempt INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER, error TEXT, latency_us INTEGER NOT NULL,
            response_body TEXT, outcome TEXT NOT NULL, next_attempt_at INTEGER)
        """,
        .. Indexes,
    ];

    private static readonly IReadOnlyList<string> Postgres =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Endpoints} (
            id text PRIMARY KEY, url text NOT NULL, event_types text NOT NULL, format text NOT NULL, enabled boolean NOT NULL,
            description text, secrets text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL,
            failing_since bigint, disabled_at bigint, disabled_reason text)
        """,
        $"""
        CREATE TABLE IF NOT EXISTS {Retries} (
            endpoint_id text NOT NULL, event_id text NOT NULL, position bigint NOT NULL, attempt integer NOT NULL,
            due_at bigint NOT NULL, PRIMARY KEY (endpoint_id, event_id))
        """,
        $"""
        CREATE TABLE IF NOT EXISTS {Attempts} (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, endpoint_id text NOT NULL, event_id text NOT NULL,
            position bigint NOT NULL, attempt integer NOT NULL, at bigint NOT NULL, status integer, error text,
            latency_us bigint NOT NULL, response_body text, outcome text NOT NULL, next_attempt_at bigint)
        """,
        .. Indexes,
    ];

    public static IReadOnlyList<string> For(EventLogDialect dialect) => dialect is PostgresEventLogDialect ? Postgres : Sqlite;

    private static readonly long EpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    public static long Micros(DateTimeOffset time) => (time.UtcTicks - EpochTicks) / 10;

    public static long? Micros(DateTimeOffset? time) => time is { } t ? Micros(t) : null;

    public static DateTimeOffset Time(long micros) => new(EpochTicks + (micros * 10), TimeSpan.Zero);
}
