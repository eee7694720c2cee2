using Microsoft.Extensions.Logging;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>The retry loop: the endpoint's scheduled retries attempted as they fall due, each event read back from the log.</summary>
public sealed partial class WebhookEndpointPlugin
{
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
}
