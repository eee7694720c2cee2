namespace OAuth2.Actors.Events;

/// <summary>Keeps the newest <c>capacity</c> envelopes; the oldest is evicted first.</summary>
public sealed class InMemoryEventPlugin(int capacity) : IQueryableEventPlugin
{
    private readonly LinkedList<EventEnvelope> _events = new();
    private readonly Lock _lock = new();

    public string Name => EventBackends.InMemory;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _events.AddLast(envelope);
            while (_events.Count > capacity)
            {
                _events.RemoveFirst();
            }
        }

        return Task.CompletedTask;
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Newest first, filtered, at most <see cref="EventQuery.Limit"/>.</summary>
    public IReadOnlyList<EventEnvelope> Query(EventQuery query)
    {
        var result = new List<EventEnvelope>(Math.Min(query.Limit, 1000));
        lock (_lock)
        {
            for (var node = _events.Last; node is not null && result.Count < query.Limit; node = node.Previous)
            {
                var e = node.Value.Event;
                if ((query.EventType is null || e.EventType == query.EventType)
                    && (query.ClientId is null || e.ClientId == query.ClientId)
                    && (query.UserId is null || e.UserId == query.UserId)
                    && (query.Since is null || e.Timestamp >= query.Since))
                {
                    result.Add(node.Value);
                }
            }
        }

        return result;
    }
}
