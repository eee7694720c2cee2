namespace OAuth2.Actors.Events.Log;

/// <summary>How the durable event log is written, read by the sinks, and purged.</summary>
public sealed record EventLogSettings
{
    /// <summary>Events appended longer ago than this are purged (OAUTH2_EVENTS_RETENTION_DAYS, default 30).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>At most this many events per append transaction (the writer appends whatever has queued while the previous one ran).</summary>
    public int MaxAppendBatch { get; init; } = 5_000;

    /// <summary>
    /// Under load, at most one append transaction per this interval: what queues meanwhile goes in the next one. An event
    /// that finds the writer idle for longer is appended at once. Each transaction costs its head row, its commit and
    /// the WAL pages it rewrites, whatever it carries, so batches of a hundred events cost far less per event than
    /// batches of ten; the price is at most this much more time for an event to reach the log (and the kill window).
    /// </summary>
    public TimeSpan AppendInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Events the writer holds while the database does not answer; beyond it new events are dropped, counted and logged
    /// (the one place events can be lost: the database has been unreachable for that long).
    /// </summary>
    public int MaxPending { get; init; } = 100_000;

    /// <summary>How often a sink's consumer looks for events other nodes appended (a node's own appends reach it at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a consumer writes its cursor and renews its lease: the most a sink re-delivers after a crash.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a consumer's lease lasts without renewal: after a node dies, its sinks move once this has passed.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events per read when a sink catches up or replays.</summary>
    public int ReadPageSize { get; init; } = 1_000;

    /// <summary>How often the retention purge runs (each run deletes in batches until nothing is left past retention).</summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromMinutes(1);

    public int PurgeBatchSize { get; init; } = 1_000;

    /// <summary>How often each node asks for every durable sink's consumer to be running (it moves after its node leaves).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(2);
}
