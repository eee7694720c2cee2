using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Events.Webhooks.Tests;

/// <summary>The webhook store's contract in memory, for unit tests of the plugin and the admin actor (the SQL store has its own tests).</summary>
internal sealed class InMemoryWebhookStore : IWebhookStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, WebhookEndpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), WebhookRetry> _retries = [];
    private readonly List<WebhookAttempt> _attempts = [];

    public WebhookEndpoint? Endpoint(string id)
    {
        lock (_lock)
        {
            return _endpoints.GetValueOrDefault(id);
        }
    }

    public IReadOnlyList<WebhookRetry> Retries
    {
        get
        {
            lock (_lock)
            {
                return _retries.Values.ToArray();
            }
        }
    }

    public IReadOnlyList<WebhookAttempt> Attempts
    {
        get
        {
            lock (_lock)
            {
                return _attempts.ToArray();
            }
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CreateAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken) => Run(() => _endpoints.Add(endpoint.Id, endpoint));

    public Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken) => Run(() => _endpoints.GetValueOrDefault(id));

    public Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken cancellationToken) =>
        Run<IReadOnlyList<WebhookEndpoint>>(() => _endpoints.Values.OrderBy(e => e.CreatedAt).ToArray());

    public Task<bool> UpdateAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken) => Run(() =>
    {
        if (!_endpoints.TryGetValue(endpoint.Id, out var existing))
        {
            return false;
        }

        _endpoints[endpoint.Id] = endpoint with { CreatedAt = existing.CreatedAt };
        return true;
    });

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => Run(() =>
    {
        foreach (var key in _retries.Keys.Where(k => k.Item1 == id).ToArray())
        {
            _retries.Remove(key);
        }

        _attempts.RemoveAll(a => a.EndpointId == id);
        return _endpoints.Remove(id);
    });

    public Task SetFailureStateAsync(string id, DateTimeOffset? failingSince, DateTimeOffset? disabledAt, string? disabledReason, CancellationToken cancellationToken) => Run(() =>
    {
        if (_endpoints.TryGetValue(id, out var e))
        {
            _endpoints[id] = e with { FailingSince = failingSince, DisabledAt = disabledAt, DisabledReason = disabledReason };
        }

        return 0;
    });

    public Task ScheduleRetriesAsync(IReadOnlyList<WebhookRetry> retries, CancellationToken cancellationToken) => Run(() =>
    {
        foreach (var r in retries)
        {
            _retries[(r.EndpointId, r.EventId)] = r;
        }

        return 0;
    });

    public Task<IReadOnlyList<WebhookRetry>> DueRetriesAsync(string endpointId, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<WebhookRetry>>(() => _retries.Values.Where(r => r.EndpointId == endpointId && r.DueAt <= now).OrderBy(r => r.DueAt).Take(limit).ToArray());

    public Task<(int Count, DateTimeOffset? NextDueAt)> PendingRetriesAsync(string endpointId, CancellationToken cancellationToken) => Run(() =>
    {
        var mine = _retries.Values.Where(r => r.EndpointId == endpointId).ToArray();
        return (mine.Length, mine.Length == 0 ? (DateTimeOffset?)null : mine.Min(r => r.DueAt));
    });

    public Task RemoveRetriesAsync(string endpointId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken) => Run(() =>
    {
        foreach (var id in eventIds)
        {
            _retries.Remove((endpointId, id));
        }

        return 0;
    });

    public Task RecordAttemptsAsync(IReadOnlyList<WebhookAttempt> attempts, CancellationToken cancellationToken) => Run(() =>
    {
        _attempts.AddRange(attempts);
        return 0;
    });

    public Task<IReadOnlyList<WebhookAttempt>> AttemptsAsync(string endpointId, string? eventId, int limit, DateTimeOffset? before, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<WebhookAttempt>>(() => _attempts
            .Where(a => a.EndpointId == endpointId && (eventId is null || a.EventId == eventId) && (before is null || a.At < before))
            .OrderByDescending(a => a.At).Take(limit).ToArray());

    public Task<int> LastAttemptAsync(string endpointId, string eventId, CancellationToken cancellationToken) =>
        Run(() => _attempts.Where(a => a.EndpointId == endpointId && a.EventId == eventId).Select(a => a.Attempt).DefaultIfEmpty(0).Max());

    public Task<int> PurgeAttemptsAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken) =>
        Run(() => _attempts.RemoveAll(a => a.At < olderThan));

    private Task<T> Run<T>(Func<T> body)
    {
        lock (_lock)
        {
            return Task.FromResult(body());
        }
    }

    private Task Run(Action body)
    {
        lock (_lock)
        {
            body();
            return Task.CompletedTask;
        }
    }
}
