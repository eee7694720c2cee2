namespace OAuth2.Actors.Events;

/// <summary>
/// A destination for events. The framework wraps each plugin in its own sink actor behind a bounded stream, so
/// a plugin may be slow, throw or hang without touching other sinks or any request.
/// </summary>
public interface IEventPlugin
{
    string Name { get; }

    /// <summary>How the sink actor drives this plugin: batching, parallelism, retries.</summary>
    EventPluginOptions Options => EventPluginOptions.Default;

    /// <summary>Deliver one envelope; throwing (or exceeding the plugin timeout) counts the event as failed.</summary>
    Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>
    /// Deliver several envelopes at once (pipelined or batched where the client supports it). Called with batches
    /// of up to <see cref="EventPluginOptions.MaxBatch"/> when events queue up; the default emits one by one.
    /// </summary>
    async Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        foreach (var envelope in batch)
        {
            await EmitAsync(envelope, cancellationToken);
        }
    }

    Task<bool> HealthCheckAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The plugin's own counters (snake_case names), shown with its sink on <c>/events/health</c>: what the
    /// destination confirmed, returned or refused, beyond the sink's delivered/failed/dropped. None by default.
    /// </summary>
    IReadOnlyDictionary<string, long>? Counters => null;
}

/// <summary>
/// How a sink actor drives its plugin. <see cref="RetryUntilDelivered"/>: a failed batch is retried with
/// exponential backoff (the sink reports unhealthy meanwhile) instead of being counted failed, so a broker outage
/// holds events in the sink's bounded queue and delivers them when the broker returns.
/// </summary>
public sealed record EventPluginOptions
{
    public static readonly EventPluginOptions Default = new();

    public int MaxBatch { get; init; } = 1;

    public int Parallelism { get; init; } = 1;

    public bool RetryUntilDelivered { get; init; }

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one emit may take before the sink counts it failed and emits it again; null: the server's
    /// <c>OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS</c>. A plugin whose destination is allowed longer (a webhook's own timeout) says so here.
    /// </summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// A plugin that a durable sink's consumer hands each event with its log position and append time (the webhook sink
/// records the position with every attempt and schedules retries by it). Used instead of <see cref="IEventPlugin.EmitBatchAsync"/>
/// when the sink is fed from the event log; without the log, the plain emits are used.
/// </summary>
public interface ILoggedEventPlugin : IEventPlugin
{
    Task EmitLoggedAsync(IReadOnlyList<Log.LoggedEvent> batch, CancellationToken cancellationToken);
}

/// <summary>A plugin whose events can be read back (the in-memory store behind <c>GET /events</c>).</summary>
public interface IQueryableEventPlugin : IEventPlugin
{
    IReadOnlyList<EventEnvelope> Query(EventQuery query);
}

public sealed record EventQuery(EventType? EventType = null, string? ClientId = null, string? UserId = null, DateTimeOffset? Since = null, int Limit = 100);
