using Microsoft.Extensions.Logging;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// Delivers one endpoint's sink (<c>webhook:{id}</c>): made by the sink's consumer on the node that holds its lease,
/// disposed when the consumer stops. Each event passing the endpoint's type filter is signed and POSTed once; a failure
/// is recorded as a scheduled retry before the event is acknowledged, so the cursor moves on and one failing event does
/// not hold the others (Standard Webhooks' per-message retries). A retry loop attempts the retries as they fall due,
/// reading each event back from the log, on the same schedule; after the last, it gives up. At most
/// <see cref="WebhookSettings.MaxInFlight"/> requests are in flight, first attempts and retries together.
/// </summary>
public sealed partial class WebhookEndpointPlugin : ILoggedEventPlugin, IAsyncDisposable
{
    /// <summary>Admins change endpoints at runtime: the endpoint is read again at most this often.</summary>
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(1);

    private readonly string _id;
    private readonly WebhookSinks _sinks;
    private readonly WebhookSettings _settings;
    private readonly IWebhookStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _stopping = new();
    private readonly AttemptRecorder _recorder;
    private readonly RecentBatches _recent = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Task> _retrying = new(StringComparer.Ordinal);
    private readonly Task _retryLoop;
    private Cached? _cached;
    private Task<Cached>? _loading;
    private int _disabling;
    private int _failureWrite;
    private long _lastPauseRequest;
    private long _delivered;
    private long _failed;
    private long _retriesScheduled;
    private long _gaveUp;
    private long _refused;
    private long _skipped;
    private int _disposed;

    public WebhookEndpointPlugin(string endpointId, WebhookSinks sinks)
    {
        _id = endpointId;
        _sinks = sinks;
        _settings = sinks.Settings;
        _store = sinks.Store;
        _time = sinks.Time;
        _logger = sinks.LoggerFactory.CreateLogger<WebhookEndpointPlugin>();
        _inFlight = new SemaphoreSlim(Math.Max(1, _settings.MaxInFlight));
        _recorder = new AttemptRecorder(_store, endpointId, _logger);
        Name = WebhookEndpoint.SinkNameOf(endpointId);
        // Batches posted concurrently: the semaphore, not the stream, bounds what is in flight. A batch may wait for the
        // others' requests (and the retries') to time out before its own are sent: the sink waits that long for it.
        const int parallelism = 4;
        Options = new EventPluginOptions
        {
            MaxBatch = Math.Max(1, _settings.MaxInFlight),
            Parallelism = parallelism,
            Timeout = (_settings.Timeout * (parallelism + 1)) + TimeSpan.FromSeconds(5),
        };
        _retryLoop = Task.Run(RetryLoopAsync);
    }

    public string Name { get; }

    public string EndpointId => _id;

    public EventPluginOptions Options { get; }

    public IReadOnlyDictionary<string, long> Counters => new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["delivered"] = Interlocked.Read(ref _delivered),
        ["failed_attempts"] = Interlocked.Read(ref _failed),
        ["retries_scheduled"] = Interlocked.Read(ref _retriesScheduled),
        ["gave_up"] = Interlocked.Read(ref _gaveUp),
        ["refused"] = Interlocked.Read(ref _refused),
        ["skipped"] = Interlocked.Read(ref _skipped),
        ["attempts_not_logged"] = _recorder.Dropped,
    };

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => Emit([new Pending(envelope, null)], cancellationToken);

    public Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken) =>
        Emit(batch.Select(e => new Pending(e, null)).ToArray(), cancellationToken);

    /// <summary>From the event log (always, for a webhook sink): each event with its position, recorded with its attempts.</summary>
    public Task EmitLoggedAsync(IReadOnlyList<LoggedEvent> batch, CancellationToken cancellationToken) =>
        Emit(batch.Select(e => new Pending(e.Envelope, e.Position)).ToArray(), cancellationToken);

    private Task Emit(IReadOnlyList<Pending> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return Task.CompletedTask;
        }

        // A consumer that stopped waiting for a batch (its timeout passed, or it moved to another node and back) emits
        // the same batch again: one that is done or still under way is not posted twice.
        var key = string.Concat(batch[0].Envelope.Event.Id, "/", batch[^1].Envelope.Event.Id, "/", batch.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return _recent.GetOrRun(key, () => DeliverBatchAsync(batch, cancellationToken));
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Volatile.Read(ref _cached)?.State is not { Endpoint: { } endpoint } || (endpoint.Enabled && endpoint.FailingSince is null));

    private async Task DeliverBatchAsync(IReadOnlyList<Pending> batch, CancellationToken cancellationToken)
    {
        var state = await EndpointAsync(cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            // Deleted: its sink is being retired.
            return;
        }

        if (!state.Endpoint.Enabled)
        {
            // Disabled (by an admin or by the server): the events wait in the log until it is enabled again.
            RequestPause();
            throw new WebhookEndpointDisabledException(_id);
        }

        if (batch.Count == 1)
        {
            await DeliverFirstAsync(batch[0], cancellationToken).ConfigureAwait(false);
            return;
        }

        var deliveries = new Task[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            deliveries[i] = DeliverFirstAsync(batch[i], cancellationToken);
        }

        await Task.WhenAll(deliveries).ConfigureAwait(false);
    }

    private async Task DeliverFirstAsync(Pending pending, CancellationToken cancellationToken)
    {
        var envelope = pending.Envelope;
        var state = await EndpointAsync(cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return;
        }

        if (!state.Policy.Allows(envelope.Event))
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        var eventId = envelope.Event.Id;
        if (!state.Endpoint.Enabled)
        {
            // Disabled while this batch was under way: kept as a retry due at once, sent when it is enabled again.
            await ScheduleAsync(eventId, pending.Position, 1, _time.GetUtcNow()).ConfigureAwait(false);
            return;
        }

        var result = await SendAsync(state, envelope, cancellationToken).ConfigureAwait(false);
        await OnAttemptAsync(state, eventId, pending.Position, 1, result, isRetry: false).ConfigureAwait(false);
    }

    private async Task<AttemptResult> SendAsync(EndpointState state, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var payload = WebhookPayload.Of(envelope, state.Endpoint.Format, _settings.EventSource);
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var span = OAuth2Tracing.StartWebhookAttempt(_id, envelope);
        try
        {
            var result = await _sinks.Sender.SendAsync(state.Url, state.KeysAt(_time.GetUtcNow()), envelope.Event.Id, payload, cancellationToken).ConfigureAwait(false);
            _sinks.Metrics.WebhookAttempt(_id, result.StatusClass);
            if (span is not null)
            {
                span.SetTag("http.response.status_code", result.Status);
                span.SetTag("oauth2.status_class", result.StatusClass);
                if (result.Kind != AttemptKind.Delivered)
                {
                    span.Failed(result.StatusClass);
                }
            }

            return result;
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>
    /// Applies the delivery rules to one attempt's result: records it, schedules the next attempt, gives up, or disables
    /// the endpoint. Throws only when the store cannot record a retry (the caller tries again: nothing is lost).
    /// </summary>
    private async Task OnAttemptAsync(EndpointState state, string eventId, long? position, int attempt, AttemptResult result, bool isRetry)
    {
        if (result.Kind == AttemptKind.Delivered)
        {
            Interlocked.Increment(ref _delivered);
            Record(eventId, position, attempt, result, WebhookAttemptOutcome.Delivered, null);
            if (isRetry)
            {
                await RemoveRetryAsync(eventId).ConfigureAwait(false);
            }

            await SucceededAsync().ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _failed);
        var now = _time.GetUtcNow();
        if (result.Kind == AttemptKind.Gone)
        {
            // Disabled first, so the retry loop cannot take the event (due at once) before it knows.
            await DisableAsync("410 Gone: the endpoint asked for no more deliveries", now).ConfigureAwait(false);
            await ScheduleAsync(eventId, position, attempt + 1, now).ConfigureAwait(false);
            Record(eventId, position, attempt, result, WebhookAttemptOutcome.EndpointDisabled, now);
            return;
        }

        var failingSince = Current?.Endpoint.FailingSince ?? state.Endpoint.FailingSince ?? result.At;
        var disable = now - failingSince >= _settings.DisableAfter;
        if (result.Kind == AttemptKind.Refused)
        {
            // Not retried: the address will not become public by waiting. It counts as a failure of the endpoint.
            Interlocked.Increment(ref _refused);
            Record(eventId, position, attempt, result, WebhookAttemptOutcome.Refused, null);
            if (isRetry)
            {
                await RemoveRetryAsync(eventId).ConfigureAwait(false);
            }
        }
        else if (disable)
        {
            await ScheduleAsync(eventId, position, attempt + 1, now).ConfigureAwait(false);
            Record(eventId, position, attempt, result, WebhookAttemptOutcome.EndpointDisabled, now);
        }
        else if (attempt - 1 < _settings.RetrySchedule.Count)
        {
            var due = now + (result.RetryAfter ?? Jitter(_settings.RetrySchedule[attempt - 1]));
            await ScheduleAsync(eventId, position, attempt + 1, due).ConfigureAwait(false);
            Record(eventId, position, attempt, result, WebhookAttemptOutcome.Retrying, due);
        }
        else
        {
            Interlocked.Increment(ref _gaveUp);
            Record(eventId, position, attempt, result, WebhookAttemptOutcome.GaveUp, null);
            LogGaveUp(_logger, _id, eventId, attempt, result.Error);
            if (isRetry)
            {
                await RemoveRetryAsync(eventId).ConfigureAwait(false);
            }
        }

        await FailedAsync(failingSince).ConfigureAwait(false);
        if (disable)
        {
            await DisableAsync($"failing without a success since {failingSince:O}, longer than {RetrySchedule.FormatDuration(_settings.DisableAfter)}", now).ConfigureAwait(false);
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));

    private void Record(string eventId, long? position, int attempt, AttemptResult result, WebhookAttemptOutcome outcome, DateTimeOffset? next) =>
        _recorder.Add(new WebhookAttempt(_id, eventId, position ?? 0, attempt, result.At, result.Status, result.Error, result.Latency, result.ResponseBody, outcome, next));

    /// <summary>Schedules the event's next attempt; throws when the store cannot record it.</summary>
    private async Task ScheduleAsync(string eventId, long? position, int attempt, DateTimeOffset due)
    {
        var at = position ?? await PositionOfAsync(eventId).ConfigureAwait(false);
        await _store.ScheduleRetriesAsync([new WebhookRetry(_id, eventId, at, attempt, due)], CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _retriesScheduled);
    }

    /// <summary>The event's log position (the consumer hands over envelopes only); 0 when the log does not say.</summary>
    private async Task<long> PositionOfAsync(string eventId)
    {
        try
        {
            return (await _sinks.Log.FindAsync(eventId, CancellationToken.None).ConfigureAwait(false))?.Position ?? 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    private async Task RemoveRetryAsync(string eventId)
    {
        try
        {
            await _store.RemoveRetriesAsync(_id, [eventId], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The row stays due: the event is attempted once more, which is what at-least-once allows.
            LogStoreFailed(_logger, _id, "remove a retry", e.GetType().Name + ": " + e.Message);
        }
    }


    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_lock)
        {
            running = [_retryLoop, .. _retrying.Values];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }

        await _recorder.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled: {Reason}. Its events wait in the event log until it is enabled again")]
    private static partial void LogDisabled(ILogger logger, string endpointId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook endpoint {EndpointId}: gave up on event {EventId} after attempt {Attempt} ({Error})")]
    private static partial void LogGaveUp(ILogger logger, string endpointId, string eventId, int attempt, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId}: the store did not {Operation} ({Error})")]
    private static partial void LogStoreFailed(ILogger logger, string endpointId, string operation, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} is disabled but its sink cannot be paused yet (no event-sinks region); its deliveries are held meanwhile")]
    private static partial void LogNoRegion(ILogger logger, string endpointId);
}

/// <summary>The endpoint is disabled: its events stay in the log (the consumer holds them) until it is enabled again.</summary>
public sealed class WebhookEndpointDisabledException(string endpointId) : Exception($"Webhook endpoint {endpointId} is disabled; its events wait in the log until it is enabled again.")
{
    public string EndpointId { get; } = endpointId;
}
