namespace OAuth2.Actors.Events.Log;

/// <summary>
/// The durable event log: every event the server emits or ingests, in one append-only table of the server's database
/// (SQLite by default, PostgreSQL in a cluster: one log for every node), numbered by a position that only grows, with
/// one row per sink holding its cursor (the last position it acknowledged) and its lease (which node consumes it).
/// </summary>
/// <remarks>
/// Positions are assigned by the appender under a lock that serializes appends across the cluster, so commits happen
/// in position order: a reader that sees position p sees every position below it that was ever committed. Positions
/// are never reused, even after the whole log has been purged.
/// </remarks>
public interface IEventLogStore
{
    /// <summary>Creates the tables and indexes if they are missing; called once per node before anything else.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="items"/> in one transaction, in order, at the positions after the current head. An item
    /// with an <see cref="LogAppend.IdempotencyKey"/> (an ingested event) is appended only if no key equal to it was first
    /// seen after <c>now - dedupWindow</c>; otherwise it is left out and its outcome names the event it duplicates. The
    /// key and the event are written in the same transaction, so an accepted ingest is durable and deduplicated
    /// cluster-wide. One outcome per item, in the items' order.
    /// </summary>
    Task<IReadOnlyList<AppendOutcome>> AppendAsync(IReadOnlyList<LogAppend> items, DateTimeOffset now, TimeSpan dedupWindow, CancellationToken cancellationToken);

    /// <summary>The last position ever assigned (0 when nothing was ever appended).</summary>
    Task<long> HeadAsync(CancellationToken cancellationToken);

    /// <summary>Events with <c>after &lt; position &lt;= upTo</c> (no upper bound when null), ascending, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<LoggedEvent>> ReadAsync(long after, int limit, long? upTo, CancellationToken cancellationToken);

    /// <summary>One page of the history, filtered (the store's indexes make this fast on a large log).</summary>
    Task<EventLogPage> QueryAsync(EventLogQuery query, CancellationToken cancellationToken);

    /// <summary>The event with this id, or null.</summary>
    Task<LoggedEvent?> FindAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>
    /// The log position a time bound stands for: with <paramref name="atOrAfter"/> the first position appended at or
    /// after <paramref name="time"/> minus one (so "after" it starts there); otherwise the last position appended at or
    /// before it. Used to turn a replay's RFC 3339 bounds into positions.
    /// </summary>
    Task<long> PositionAtAsync(DateTimeOffset time, bool atOrAfter, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a row for each sink that has none, its cursor at the current head (a new sink starts with the events
    /// appended after it was first configured). Called at start, before this node appends anything.
    /// </summary>
    Task EnsureSinksAsync(IReadOnlyCollection<string> sinks, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the sink's lease for <paramref name="owner"/> until <c>now + lease</c> if it is free, expired, or already
    /// this owner's; null when another owner holds a live lease (the caller tries again later).
    /// </summary>
    Task<SinkCursor?> ClaimSinkAsync(string sink, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the cursor forward to <paramref name="position"/> (never back) and renews the lease, only while
    /// <paramref name="owner"/> holds it; null when it no longer does (fenced: the caller must stop delivering).
    /// </summary>
    Task<SinkCursor?> CommitSinkAsync(string sink, string owner, long position, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Commits <paramref name="position"/> and gives the lease up (a clean stop or hand-off), if still held.</summary>
    Task ReleaseSinkAsync(string sink, string owner, long position, CancellationToken cancellationToken);

    /// <summary>Records the sink's paused flag (kept across restarts and moves).</summary>
    Task SetSinkPausedAsync(string sink, bool paused, CancellationToken cancellationToken);

    /// <summary>Deletes the sink's row (a sink that is gone for good: a deleted webhook endpoint); nothing when there is none.</summary>
    Task DeleteSinkAsync(string sink, CancellationToken cancellationToken);

    /// <summary>Every sink's row.</summary>
    Task<IReadOnlyList<SinkCursor>> SinksAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> of the oldest events appended before <paramref name="olderThan"/>.
    /// For each sink whose cursor was below a deleted position, the number of deleted events it had not acknowledged is
    /// added to its <see cref="SinkCursor.Lost"/> in the same transaction and returned.
    /// </summary>
    Task<PurgeOutcome> PurgeAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken);

    /// <summary>Deletes at most <paramref name="batchSize"/> idempotency keys first seen before <paramref name="olderThan"/>.</summary>
    Task<int> PurgeIdempotencyKeysAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken);
}

/// <summary>One event to append; <paramref name="IdempotencyKey"/> only for an ingested event (durable deduplication).</summary>
public sealed record LogAppend(EventEnvelope Envelope, string? IdempotencyKey = null);

/// <summary>Where an item went: its position, or (a duplicate ingest, position 0) the id of the event it repeats.</summary>
public sealed record AppendOutcome(long Position, string? DuplicateOf = null)
{
    public bool Appended => DuplicateOf is null;
}

/// <summary>An event as the log holds it.</summary>
public sealed record LoggedEvent(long Position, DateTimeOffset AppendedAt, EventEnvelope Envelope);

public enum LogOrder
{
    Ascending,
    Descending,
}

/// <summary>
/// A history query. Every filter is optional and they combine with AND; <see cref="Types"/> matches any of its types;
/// <see cref="From"/> is inclusive and <see cref="To"/> exclusive, on the event's own timestamp; <see cref="After"/>
/// continues a previous page: positions strictly after it in <see cref="Order"/>'s direction.
/// </summary>
public sealed record EventLogQuery(
    IReadOnlyList<EventType>? Types = null,
    string? ClientId = null,
    string? UserId = null,
    EventSeverity? Severity = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    LogOrder Order = LogOrder.Descending,
    int Limit = 100,
    long? After = null);

/// <summary>A page of the history; <paramref name="Next"/> is the <see cref="EventLogQuery.After"/> of the next page, null on the last one.</summary>
public sealed record EventLogPage(IReadOnlyList<LoggedEvent> Events, long? Next);

/// <summary>A sink's row: its cursor, whether it is paused, the events it lost to retention, and who holds its lease.</summary>
public sealed record SinkCursor(string Sink, long Position, bool Paused, long Lost, string? Owner, DateTimeOffset? LeaseUntil);

/// <summary>
/// What a purge removed, and what each sink that had not yet acknowledged some of it lost; and why refreshing the
/// database's statistics at the end of a run failed, if it did (the purge itself stands).
/// </summary>
public sealed record PurgeOutcome(int Deleted, IReadOnlyDictionary<string, long> LostBySink, string? MaintenanceError = null);
