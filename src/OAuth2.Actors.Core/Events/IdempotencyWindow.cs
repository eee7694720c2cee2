namespace OAuth2.Actors.Events;

/// <summary>
/// Idempotency keys seen within a time window, bounded in memory: the least recently seen key is evicted when
/// full, and keys older than the window count as new. One key at a time, never a wholesale clear.
/// </summary>
public sealed class IdempotencyWindow(TimeSpan window, int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, DateTimeOffset SeenAt)>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, DateTimeOffset SeenAt)> _order = new();

    public int Count => _index.Count;

    /// <summary>True when the key is new (and is now remembered); false when it was seen within the window.</summary>
    public bool TryRemember(string key, DateTimeOffset now)
    {
        ExpireOlderThan(now - window);
        if (_index.TryGetValue(key, out var node))
        {
            if (now - node.Value.SeenAt < window)
            {
                // Recently used: move to the young end so capacity eviction takes colder keys first.
                _order.Remove(node);
                _order.AddLast(node);
                return false;
            }

            _order.Remove(node);
            _index.Remove(key);
        }

        _index[key] = _order.AddLast((key, now));
        while (_index.Count > capacity && _order.First is { } oldest)
        {
            _order.RemoveFirst();
            _index.Remove(oldest.Value.Key);
        }

        return true;
    }

    private void ExpireOlderThan(DateTimeOffset cutoff)
    {
        while (_order.First is { } first && first.Value.SeenAt <= cutoff)
        {
            _order.RemoveFirst();
            _index.Remove(first.Value.Key);
        }
    }
}
