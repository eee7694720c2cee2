namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The indexes of the log, the same on both databases. Each costs every append, so there is one per filter of the
/// history query and no more: every filter index ends with the position, so a filter walks its matches already in log
/// order (newest or oldest first, from a page's cursor) and stops after one page instead of sorting every match.
/// </summary>
/// <remarks>
/// The timestamp is indexed only for events appended more than 5 minutes from it (see <see cref="EventLogQuerySql"/>).
/// No index on <c>appended_at</c>: it only grows with the position (the appender never writes one below the head's),
/// so the purge walks the primary key from the oldest event and a time bound is found by a binary search over positions.
/// Type and severity share one index: a query on either walks it once per (type, severity) pair, 13 x 4 at most, each
/// walk stopping after a page; a failed sign-in of severity warning is then one walk, not a filter over every failed
/// sign-in. Client and user indexes leave out the rows without one.
/// </remarks>
internal static class EventLogSchema
{
    public static readonly IReadOnlyList<string> Indexes =
    [
        $"CREATE UNIQUE INDEX IF NOT EXISTS {EventLogDialect.Log}_event_id ON {EventLogDialect.Log} (event_id)",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_kind ON {EventLogDialect.Log} (event_type, severity, position)",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_client ON {EventLogDialect.Log} (client_id, position) WHERE client_id IS NOT NULL",
        $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Log}_user ON {EventLogDialect.Log} (user_id, position) WHERE user_id IS NOT NULL",
        $"CREATE INDEX IF NOT EXISTS {LateIndex} ON {EventLogDialect.Log} (event_time, position) WHERE {NotPunctual}",
    ];

    public const string LateIndex = EventLogDialect.Log + "_late";

    /// <summary>Events whose timestamp is more than this (5 minutes) away from their append time are indexed by timestamp.</summary>
    public const long PunctualSpanMilliseconds = 300_000;

    /// <summary>The predicate of the partial timestamp index, written the same in every query so the database uses it.</summary>
    public const string NotPunctual = "(event_time < appended_at - 300000 OR event_time > appended_at + 300000)";

    public const string KeysIndex = $"CREATE INDEX IF NOT EXISTS {EventLogDialect.Keys}_first_seen ON {EventLogDialect.Keys} (first_seen)";
}
