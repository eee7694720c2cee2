using OAuth2.Actors.Auth;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

// ---- Managing endpoints: asked of this node's WebhookAdmin actor by the host's /admin/api/webhooks handlers (never
// crosses nodes: the admin actor works on the shared store and on the event-sinks region). Every request may also be
// answered with AdminFailure (BadRequest: invalid field; NotFound: no such endpoint; Conflict: the static endpoint,
// which only the environment changes; Unavailable: the store did not answer).

/// <summary>Answered with <see cref="WebhookCreated"/>.</summary>
public sealed record CreateWebhook(string Url, IReadOnlyList<string> EventTypes, EventFormat Format, bool Enabled, string? Description);

/// <summary>Answered with <see cref="WebhookList"/>.</summary>
public sealed record ListWebhooks
{
    public static readonly ListWebhooks Instance = new();
}

/// <summary>Answered with <see cref="WebhookView"/>.</summary>
public sealed record GetWebhook(string Id);

/// <summary>Changes the fields given (null: unchanged). Enabling a disabled endpoint clears its failure state. Answered with <see cref="WebhookView"/>.</summary>
public sealed record UpdateWebhook(string Id, string? Url, IReadOnlyList<string>? EventTypes, EventFormat? Format, bool? Enabled, string? Description);

/// <summary>Deletes the endpoint, its sink (cursor), retries and attempts. Answered with <see cref="WebhookDeleted"/>.</summary>
public sealed record DeleteWebhook(string Id);

/// <summary>A new secret signs from now on; the previous one also signs for the configured overlap. Answered with <see cref="WebhookSecretRotated"/>.</summary>
public sealed record RotateWebhookSecret(string Id);

/// <summary>Answered with <see cref="WebhookAttempts"/>.</summary>
public sealed record GetWebhookAttempts(string Id, string? EventId, int Limit, DateTimeOffset? Before);

/// <summary>Attempts the logged event again now (attempt numbers continue). Answered with <see cref="WebhookRedeliveryScheduled"/>.</summary>
public sealed record RedeliverWebhookEvent(string Id, string EventId);

/// <summary>Delivers the logged events between the bounds again to this endpoint only (the sink's replay). Answered with <see cref="SinkReplayStarted"/>.</summary>
public sealed record RedeliverWebhookRange(string Id, LogBound From, LogBound To);

/// <summary>The new endpoint and its secret: the only time the secret is shown.</summary>
public sealed record WebhookCreated(WebhookView Webhook, string Secret)
{
    public override string ToString() => $"WebhookCreated {{ Webhook = {Webhook}, Secret = (redacted) }}";
}

/// <summary>An endpoint as the admin API shows it: its configuration (no secrets), its delivery state and its pending retries.</summary>
/// <param name="Sink">Its durable sink's status (cursor, lag, paused, failing), when its consumer answered in time.</param>
public sealed record WebhookView(WebhookEndpoint Endpoint, SinkStatus? Sink, int PendingRetries, DateTimeOffset? NextRetryAt);

public sealed record WebhookList(IReadOnlyList<WebhookView> Webhooks);

public sealed record WebhookDeleted(string Id);

public sealed record WebhookSecretRotated(string Id, string Secret, DateTimeOffset PreviousExpiresAt)
{
    public override string ToString() => $"WebhookSecretRotated {{ Id = {Id}, Secret = (redacted), PreviousExpiresAt = {PreviousExpiresAt:O} }}";
}

/// <summary>A page of attempts, newest first; <paramref name="Next"/> is the <c>before</c> of the next page.</summary>
public sealed record WebhookAttempts(string Id, IReadOnlyList<WebhookAttempt> Attempts, DateTimeOffset? Next);

public sealed record WebhookRedeliveryScheduled(string Id, string EventId, int Attempt);
