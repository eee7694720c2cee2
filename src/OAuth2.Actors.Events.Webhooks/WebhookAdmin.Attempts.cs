using Akka.Event;
using OAuth2.Actors.Auth;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>The attempts log, redelivery (one event or a range of the log), and the static endpoint kept as the environment says.</summary>
public sealed partial class WebhookAdmin
{
    private async Task<object> AttemptsAsync(GetWebhookAttempts m)
    {
        if (m.Limit is < 1 or > MaxAttemptsPage)
        {
            return BadRequest("Invalid limit", $"limit must be between 1 and {MaxAttemptsPage}.");
        }

        if (await _store.GetAsync(m.Id, CancellationToken.None).ConfigureAwait(false) is null)
        {
            return NotFound(m.Id);
        }

        var page = await _store.AttemptsAsync(m.Id, string.IsNullOrWhiteSpace(m.EventId) ? null : m.EventId, m.Limit, m.Before, CancellationToken.None).ConfigureAwait(false);
        return new WebhookAttempts(m.Id, page, page.Count == m.Limit ? page[^1].At : null);
    }

    private async Task<object> RedeliverEventAsync(RedeliverWebhookEvent m)
    {
        if (string.IsNullOrWhiteSpace(m.EventId))
        {
            return BadRequest("Invalid redelivery", "event_id is required.");
        }

        if (await _store.GetAsync(m.Id, CancellationToken.None).ConfigureAwait(false) is null)
        {
            return NotFound(m.Id);
        }

        if (await _log.FindAsync(m.EventId, CancellationToken.None).ConfigureAwait(false) is not { } logged)
        {
            return new AdminFailure(FailureKind.NotFound, "Event not found", $"No event '{m.EventId}' is in the event log (it may have been purged by retention).");
        }

        var attempt = await _store.LastAttemptAsync(m.Id, m.EventId, CancellationToken.None).ConfigureAwait(false) + 1;
        await _store.ScheduleRetriesAsync([new WebhookRetry(m.Id, m.EventId, logged.Position, attempt, _time.GetUtcNow())], CancellationToken.None).ConfigureAwait(false);
        return new WebhookRedeliveryScheduled(m.Id, m.EventId, attempt);
    }

    private async Task<object> RedeliverRangeAsync(RedeliverWebhookRange m)
    {
        if (await _store.GetAsync(m.Id, CancellationToken.None).ConfigureAwait(false) is null)
        {
            return NotFound(m.Id);
        }

        try
        {
            return await _region.Ask<object>(new ReplaySink(WebhookEndpoint.SinkNameOf(m.Id), m.From, m.To), CommandTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new AdminFailure(FailureKind.Unavailable, "Sink unavailable", $"The sink of webhook '{m.Id}' did not answer in time; try again.");
        }
    }

    /// <summary>Keeps the endpoint configured by the environment in the store (id <c>static</c>), or removes it when the environment no longer names one.</summary>
    private async Task<object> EnsureStaticAsync()
    {
        var existing = await _store.GetAsync(WebhookSettings.StaticEndpointId, CancellationToken.None).ConfigureAwait(false);
        if (_settings.StaticEndpoint is not { } configured)
        {
            if (existing is not null)
            {
                await RetireAsync(WebhookSettings.StaticEndpointId).ConfigureAwait(false);
            }

            return Done.Instance;
        }

        var now = _time.GetUtcNow();
        if (existing is null)
        {
            var created = new WebhookEndpoint(
                WebhookSettings.StaticEndpointId, configured.Url, Types(configured.EventTypes), configured.Format, true, "Configured by OAUTH2_WEBHOOKS_URL",
                [new WebhookSecret(configured.Secret, now, null)], now, now, null, null, null);
            await _store.CreateAsync(created, CancellationToken.None).ConfigureAwait(false);
            _logger.Info("Webhook endpoint {EndpointId} configured from the environment for {Url}", created.Id, created.Url);
        }
        else if (existing.Url != configured.Url || !existing.EventTypes.SequenceEqual(Types(configured.EventTypes)) || existing.Format != configured.Format
            || existing.Secrets.Count == 0 || existing.Secrets[0].Value != configured.Secret)
        {
            var secrets = existing.Secrets.Count > 0 && existing.Secrets[0].Value == configured.Secret
                ? existing.Secrets
                : Rotate(existing.Secrets, configured.Secret, now, _settings.SecretOverlap);
            await _store.UpdateAsync(existing with { Url = configured.Url, EventTypes = Types(configured.EventTypes), Format = configured.Format, Secrets = secrets, UpdatedAt = now }, CancellationToken.None).ConfigureAwait(false);
            _logger.Info("Webhook endpoint {EndpointId} updated from the environment ({Url})", existing.Id, configured.Url);
        }

        var sink = WebhookEndpoint.SinkNameOf(WebhookSettings.StaticEndpointId);
        await _log.EnsureSinksAsync([sink], CancellationToken.None).ConfigureAwait(false);
        _region.Tell(new KeepSinkRunning(sink), ActorRefs.NoSender);
        return Done.Instance;
    }
}
