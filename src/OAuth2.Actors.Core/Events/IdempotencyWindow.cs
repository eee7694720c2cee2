namespace OAuth2.Actors.Events;

/// <summary>
/// Idempotency keys seen within a time window (counted from a key's first sighting), bounded in memory. Two
/// orderings over the same keys: by first sighting, so expired keys leave exactly and first; and by last use, so
/// when the window holds more than its capacity the least recently used live key is evicted. One key at a time,
/// never a wholesale clear.
/// </summary>
public sealed class IdempotencyWindow(TimeSpan window, int capacity)
{
    private readonly Dictionary<string, Entry> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _byFirstSeen = new();
    private readonly LinkedList<Entry> _byLastUse = new();

    public int Count => _index.Count;

    /// <summary>True when the key is new (and is now remembered); false when it was first seen within the window.</summary>
    public bool TryRemember(string key, DateTimeOffset now)
    {
        while (_byFirstSeen.First is { } oldest && oldest.Value.FirstSeen <= now - window)
        {
            Forget(oldest.Value);
        }

        if (_index.TryGetValue(key, out var existing))
        {
            _byLastUse.Remove(existing.LastUseNode);
            _byLastUse.AddLast(existing.LastUseNode);
            return false;
        }

        var entry = new Entry(key, now);
        entry.FirstSeenNode = _byFirstSeen.AddLast(entry);
        entry.LastUseNode = _byLastUse.AddLast(entry);
        _index[key] = entry;
        while (_index.Count > capacity && _byLastUse.First is { } coldest)
        {
            Forget(coldest.Value);
        }

        return true;
    }

    private void Forget(Entry entry)
    {
        _byFirstSeen.Remove(entry.FirstSeenNode);
        _byLastUse.Remove(entry.LastUseNode);
        _index.Remove(entry.Key);
    }

    private sealed class Entry(string key, DateTimeOffset firstSeen)
    {
        public string Key { get; } = key;

        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public LinkedListNode<Entry> FirstSeenNode { get; set; } = null!;

        public LinkedListNode<Entry> LastUseNode { get; set; } = null!;
    }
}
