namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// Where webhook endpoints, their pending retries and their attempts log are kept: the server's database (SQLite by
/// default, PostgreSQL in a cluster), beside the event log, so retries survive restarts and any node can take an
/// endpoint over. Secrets are stored so that deliveries can be signed; the store may encrypt them at rest.
/// </summary>
public interface IWebhookStore
{
    /// <summary>Creates the tables if they are missing; called once per node before anything else.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task CreateAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken);

    Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every endpoint, oldest first.</summary>
    Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the endpoint's row (all fields but <see cref="WebhookEndpoint.Id"/> and CreatedAt); false when it does not exist.</summary>
    Task<bool> UpdateAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken);

    /// <summary>Deletes the endpoint with its retries and attempts; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Records the endpoint's failure state only (not its configuration, which an admin may be changing at the same
    /// time): when the current run of failures began, and whether the server disabled it and why.
    /// </summary>
    Task SetFailureStateAsync(string id, DateTimeOffset? failingSince, DateTimeOffset? disabledAt, string? disabledReason, CancellationToken cancellationToken);

    /// <summary>Schedules (or reschedules: one row per endpoint and event) attempts, in one transaction.</summary>
    Task ScheduleRetriesAsync(IReadOnlyList<WebhookRetry> retries, CancellationToken cancellationToken);

    /// <summary>The endpoint's attempts due at or before <paramref name="now"/>, soonest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<WebhookRetry>> DueRetriesAsync(string endpointId, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>The number of attempts scheduled for the endpoint and when the next one is due.</summary>
    Task<(int Count, DateTimeOffset? NextDueAt)> PendingRetriesAsync(string endpointId, CancellationToken cancellationToken);

    /// <summary>Removes scheduled attempts of the endpoint (delivered or given up), in one transaction.</summary>
    Task RemoveRetriesAsync(string endpointId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken);

    /// <summary>Records attempts in one transaction (deliveries buffer their records and write them in batches).</summary>
    Task RecordAttemptsAsync(IReadOnlyList<WebhookAttempt> attempts, CancellationToken cancellationToken);

    /// <summary>
    /// The endpoint's attempts, newest first, at most <paramref name="limit"/>; only those for <paramref name="eventId"/>
    /// when given; <paramref name="before"/> continues a page (attempts recorded before that one's time and order).
    /// </summary>
    Task<IReadOnlyList<WebhookAttempt>> AttemptsAsync(string endpointId, string? eventId, int limit, DateTimeOffset? before, CancellationToken cancellationToken);

    /// <summary>The highest attempt number recorded for the event at the endpoint (0: none), so a redelivery continues the count.</summary>
    Task<int> LastAttemptAsync(string endpointId, string eventId, CancellationToken cancellationToken);

    /// <summary>Deletes attempts recorded before <paramref name="olderThan"/> (the log's retention), at most <paramref name="batchSize"/>.</summary>
    Task<int> PurgeAttemptsAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken);
}
