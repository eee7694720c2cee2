using Microsoft.Extensions.Logging;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>The endpoint's failure state: a run of failures begun and ended, and the endpoint disabled (its sink paused).</summary>
public sealed partial class WebhookEndpointPlugin
{
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
}
