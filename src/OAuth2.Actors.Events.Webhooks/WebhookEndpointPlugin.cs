using Microsoft.Extensions.Logging;
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
public sealed partial class WebhookEndpointPlugin : IEventPlugin, IAsyncDisposable
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
        // Batches posted concurrently: the semaphore, not the stream, bounds what is in flight.
        Options = new EventPluginOptions { MaxBatch = Math.Max(1, _settings.MaxInFlight), Parallelism = 4 };
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

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => EmitBatchAsync([envelope], cancellationToken);

    public Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return Task.CompletedTask;
        }

        // The consumer stops waiting for a batch after its plugin timeout (shorter than a slow endpoint may take) and
        // emits the same batch again: one that is done or still under way is not posted twice.
        var key = string.Concat(batch[0].Event.Id, "/", batch[^1].Event.Id, "/", batch.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return _recent.GetOrRun(key, () => DeliverBatchAsync(batch, cancellationToken));
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Volatile.Read(ref _cached)?.State is not { Endpoint: { } endpoint } || (endpoint.Enabled && endpoint.FailingSince is null));

    private async Task DeliverBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
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

    private async Task DeliverFirstAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
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
            await ScheduleAsync(eventId, null, 1, _time.GetUtcNow()).ConfigureAwait(false);
            return;
        }

        var result = await SendAsync(state, envelope, cancellationToken).ConfigureAwait(false);
        await OnAttemptAsync(state, eventId, null, 1, result, isRetry: false).ConfigureAwait(false);
    }

    private async Task<AttemptResult> SendAsync(EndpointState state, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var payload = WebhookPayload.Of(envelope, state.Endpoint.Format, _settings.EventSource);
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _sinks.Sender.SendAsync(state.Url, state.KeysAt(_time.GetUtcNow()), envelope.Event.Id, payload, cancellationToken).ConfigureAwait(false);
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

    /// <summary>A success ends the endpoint's run of failures.</summary>
    private async Task SucceededAsync()
    {
        if (Current is not { Endpoint: { FailingSince: not null } endpoint } || Interlocked.CompareExchange(ref _failureWrite, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await _store.SetFailureStateAsync(_id, null, endpoint.DisabledAt, endpoint.DisabledReason, CancellationToken.None).ConfigureAwait(false);
            UpdateCached(e => e with { FailingSince = null });
        }
        catch (Exception e)
        {
            LogStoreFailed(_logger, _id, "clear its failure state", e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            Volatile.Write(ref _failureWrite, 0);
        }
    }

    /// <summary>A failure starts the endpoint's run of failures, unless one is under way.</summary>
    private async Task FailedAsync(DateTimeOffset since)
    {
        if (Current is not { Endpoint: { FailingSince: null } endpoint } || Interlocked.CompareExchange(ref _failureWrite, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await _store.SetFailureStateAsync(_id, since, endpoint.DisabledAt, endpoint.DisabledReason, CancellationToken.None).ConfigureAwait(false);
            UpdateCached(e => e.FailingSince is null ? e with { FailingSince = since } : e);
        }
        catch (Exception e)
        {
            LogStoreFailed(_logger, _id, "record its failure state", e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            Volatile.Write(ref _failureWrite, 0);
        }
    }

    /// <summary>
    /// Disables the endpoint (Enabled off, when and why), logs it, and pauses its sink: later events wait in the log
    /// (nothing is lost within the retention) until an admin enables it again, which resumes the sink.
    /// </summary>
    private async Task DisableAsync(string reason, DateTimeOffset now)
    {
        if (Interlocked.Exchange(ref _disabling, 1) == 1)
        {
            return;
        }

        try
        {
            var fresh = await _store.GetAsync(_id, CancellationToken.None).ConfigureAwait(false);
            if (fresh is null)
            {
                return;
            }

            if (fresh.Enabled)
            {
                var disabled = fresh with { Enabled = false, FailingSince = fresh.FailingSince ?? now, DisabledAt = now, DisabledReason = reason };
                await _store.UpdateAsync(disabled, CancellationToken.None).ConfigureAwait(false);
                await _store.SetFailureStateAsync(_id, disabled.FailingSince, now, reason, CancellationToken.None).ConfigureAwait(false);
                fresh = disabled;
                LogDisabled(_logger, _id, reason);
            }

            SetCached(fresh);
            RequestPause(force: true);
        }
        catch (Exception e)
        {
            LogStoreFailed(_logger, _id, "disable it", e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            Volatile.Write(ref _disabling, 0);
        }
    }

    private void RequestPause(bool force = false)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastPauseRequest);
        if (!force && last != 0 && _time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        Interlocked.Exchange(ref _lastPauseRequest, now);
        if (!_sinks.PauseSink(Name))
        {
            LogNoRegion(_logger, _id);
        }
    }

    // ---- Retries

    private async Task RetryLoopAsync()
    {
        var token = _stopping.Token;
        var failures = 0;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_settings.RetryPollInterval, _time, token).ConfigureAwait(false);
                var state = await EndpointAsync(token).ConfigureAwait(false);
                if (state is not { Endpoint.Enabled: true })
                {
                    continue;
                }

                var due = await _store.DueRetriesAsync(_id, _time.GetUtcNow(), Math.Max(1, _settings.MaxInFlight) * 4, token).ConfigureAwait(false);
                foreach (var retry in due)
                {
                    lock (_lock)
                    {
                        if (!_retrying.ContainsKey(retry.EventId))
                        {
                            _retrying[retry.EventId] = RetryAsync(retry, token);
                        }
                    }
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (failures++ % 30 == 0)
                {
                    LogStoreFailed(_logger, _id, "read its due retries", e.GetType().Name + ": " + e.Message);
                }
            }
        }
    }

    private async Task RetryAsync(WebhookRetry retry, CancellationToken token)
    {
        await Task.Yield();
        try
        {
            var logged = await _sinks.Log.FindAsync(retry.EventId, token).ConfigureAwait(false);
            if (logged is null)
            {
                Interlocked.Increment(ref _gaveUp);
                var at = _time.GetUtcNow();
                _recorder.Add(new WebhookAttempt(_id, retry.EventId, retry.Position, retry.Attempt, at, null, "the event is no longer in the log (purged by retention)", TimeSpan.Zero, null, WebhookAttemptOutcome.GaveUp, null));
                await RemoveRetryAsync(retry.EventId).ConfigureAwait(false);
                return;
            }

            var state = await EndpointAsync(token).ConfigureAwait(false);
            if (state is not { Endpoint.Enabled: true })
            {
                return;
            }

            var result = await SendAsync(state, logged.Envelope, token).ConfigureAwait(false);
            await OnAttemptAsync(state, retry.EventId, logged.Position, retry.Attempt, result, isRetry: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: the retry stays scheduled for whoever consumes the sink next.
        }
        catch (Exception e)
        {
            // The row stays due: attempted again at the next poll.
            LogStoreFailed(_logger, _id, "record a retry of event " + retry.EventId, e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            lock (_lock)
            {
                _retrying.Remove(retry.EventId);
            }
        }
    }

    // ---- The endpoint, read again at most every second

    private EndpointState? Current => Volatile.Read(ref _cached)?.State;

    private async Task<EndpointState?> EndpointAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && _time.GetElapsedTime(cached.LoadedAt) < ReloadInterval)
        {
            return cached.State;
        }

        Task<Cached> loading;
        lock (_lock)
        {
            if (_loading is null || _loading.IsCompleted)
            {
                _loading = LoadAsync();
            }

            loading = _loading;
        }

        try
        {
            return (await loading.WaitAsync(cancellationToken).ConfigureAwait(false)).State;
        }
        catch (Exception e) when (cached is not null && !cancellationToken.IsCancellationRequested)
        {
            // The store did not answer: deliveries go on with what was read last.
            LogStoreFailed(_logger, _id, "read the endpoint", e.GetType().Name + ": " + e.Message);
            return cached.State;
        }
    }

    private async Task<Cached> LoadAsync()
    {
        var endpoint = await _store.GetAsync(_id, CancellationToken.None).ConfigureAwait(false);
        var cached = new Cached(endpoint is null ? null : EndpointState.Of(endpoint), _time.GetTimestamp());
        Volatile.Write(ref _cached, cached);
        return cached;
    }

    private void SetCached(WebhookEndpoint endpoint) => Volatile.Write(ref _cached, new Cached(EndpointState.Of(endpoint), _time.GetTimestamp()));

    private void UpdateCached(Func<WebhookEndpoint, WebhookEndpoint> change)
    {
        lock (_lock)
        {
            if (Volatile.Read(ref _cached) is { State: { } state } cached)
            {
                Volatile.Write(ref _cached, cached with { State = state with { Endpoint = change(state.Endpoint) } });
            }
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

    private sealed record Cached(EndpointState? State, long LoadedAt);

    /// <summary>The endpoint as deliveries use it: its filter compiled, its URL parsed, its secrets' keys decoded.</summary>
    private sealed record EndpointState(WebhookEndpoint Endpoint, EventSinkPolicy Policy, Uri Url, IReadOnlyList<(WebhookSecret Secret, byte[] Key)> Keys)
    {
        public static EndpointState Of(WebhookEndpoint endpoint) => new(
            endpoint,
            new EventSinkPolicy(endpoint.EventTypes, null, null),
            new Uri(endpoint.Url, UriKind.Absolute),
            endpoint.Secrets.Select(s => (s, WebhookSigner.KeyOf(s.Value))).ToArray());

        public IReadOnlyList<byte[]> KeysAt(DateTimeOffset now)
        {
            var live = new List<byte[]>(Keys.Count);
            foreach (var (secret, key) in Keys)
            {
                if (secret.ExpiresAt is not { } end || end > now)
                {
                    live.Add(key);
                }
            }

            return live;
        }
    }

    /// <summary>
    /// The last batches emitted, so that a batch the consumer emits again because it stopped waiting (its plugin timeout
    /// is shorter than a slow endpoint may take) is not posted twice: while it runs, and for a minute after it ended when
    /// it was slow enough for the consumer to give up on it. A quick batch emitted again (a replay) is posted again.
    /// </summary>
    private sealed class RecentBatches
    {
        private const int Capacity = 256;
        private static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);
        private readonly Lock _lock = new();
        private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
        private readonly Queue<string> _order = new();

        public Task GetOrRun(string key, Func<Task> run)
        {
            lock (_lock)
            {
                if (_entries.TryGetValue(key, out var existing) && existing.Covers())
                {
                    return existing.Task;
                }

                var entry = new Entry(System.Diagnostics.Stopwatch.GetTimestamp());
                entry.Task = Track(entry, run());
                if (!_entries.ContainsKey(key))
                {
                    _order.Enqueue(key);
                }

                _entries[key] = entry;
                while (_order.Count > Capacity)
                {
                    _entries.Remove(_order.Dequeue());
                }

                return entry.Task;
            }
        }

        private static async Task Track(Entry entry, Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            finally
            {
                entry.Ended = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }

        private sealed class Entry(long started)
        {
            public Task Task { get; set; } = Task.CompletedTask;

            public long Ended { get; set; }

            public bool Covers()
            {
                if (!Task.IsCompleted)
                {
                    return true;
                }

                return Task.IsCompletedSuccessfully
                    && System.Diagnostics.Stopwatch.GetElapsedTime(started, Ended) >= Slow
                    && System.Diagnostics.Stopwatch.GetElapsedTime(Ended) < Remembered;
            }
        }
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
