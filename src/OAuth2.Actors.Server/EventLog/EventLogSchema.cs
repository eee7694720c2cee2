namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The indexes of the log, the same on both databases. Each costs every append, so there is one per filter of the
/// history query and no more: every filter index ends with the position, so a filter walks its matches already in log
/// order (newest or oldest first, from a page's cursor) and stops after one page instead of sorting every match.
/// </summary>
/// <remarks>
/// No index on <c>appended_at</c>: it only grows with the position (the appender never writes one below the head's),
/// so the purge walks the primary key from the oldest event and a time bound is found by a binary search over positions.
/// Severity is indexed only where it is not <c>info</c> (the rare rows worth finding that way; an <c>info</c> filter
/// matches most rows and walks the log itself). Client and user indexes leave out the rows without one.
/// </remarks>
internal static class EventLogSchema
{
    public static readonly IReadOnlyList<string> Indexes =
    [
        $"CREATE UNIQUE INDEX IF NOT EXISTS {EventLogDialect.Log}_event_id ON {EventLogDialect.Log} (event_id)",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_type ON {EventLogDialect.Log} (event_type, position)",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_client ON {EventLogDialect.Log} (client_id, position) WHERE client_id IS NOT NULL",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_user ON {EventLogDialect.Log} (user_id, position) WHERE user_id IS NOT NULL",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_severity ON {EventLogDialect.Log} (severity, position) WHERE severity > 0",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_time ON {EventLogDialect.Log} (event_time)",
    ];

    public const string KeysIndex = $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Keys}_first_seen ON {EventLogDialect.Keys} (first_seen)";
}
