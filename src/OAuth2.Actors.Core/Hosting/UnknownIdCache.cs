namespace OAuth2.Actors.Hosting;

/// <summary>The kinds of id a node remembers as unknown: each asks a different sharded entity.</summary>
public enum UnknownIdKind
{
    User,
    Client,
    RefreshFamily,
}

/// <summary>
/// The node's bounded memory of ids their entity said do not exist (a username, a client id, a refresh family id), so
/// that asking again for one (a guesser, a stale client) does not start a persistent entity and read the journal each
/// time. At most <c>capacity</c> ids (least recently used out), each for at most <c>ttl</c>. An id is forgotten the
/// moment it is created (<see cref="Forget"/>, on every node through <see cref="UnknownIdCacheActor"/>); an answer read
/// before a creation is never remembered after it (<see cref="Generation"/>, read before asking). The time to live
/// bounds what a node that missed a creation's broadcast keeps saying.
/// </summary>
public sealed class UnknownIdCache
{
    public static readonly UnknownIdCache Disabled = new(0, TimeSpan.Zero, TimeProvider.System);

    private readonly int _capacity;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly Dictionary<(UnknownIdKind, string), LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _recency = new();
    private readonly Lock _lock = new();
    private long _generation;

    public UnknownIdCache(int capacity, TimeSpan ttl, TimeProvider time) => (_capacity, _ttl, _time) = (capacity, ttl, time);

    public bool Enabled => _capacity > 0 && _ttl > TimeSpan.Zero;

    /// <summary>Changes whenever an id is forgotten: read it before asking the entity, hand it to <see cref="Remember"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>True when the id was recently answered as unknown and not created since.</summary>
    public bool IsUnknown(UnknownIdKind kind, string id)
    {
        if (!Enabled)
        {
            return false;
        }

        lock (_lock)
        {
            if (!_entries.TryGetValue((kind, id), out var node))
            {
                return false;
            }

            if (node.Value.Expires <= _time.GetUtcNow())
            {
                Remove(node);
                return false;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return true;
        }
    }

    /// <summary>Remembers that the entity answered "unknown", unless an id was forgotten since <paramref name="generation"/>.</summary>
    public void Remember(UnknownIdKind kind, string id, long generation)
    {
        if (!Enabled)
        {
            return;
        }

        lock (_lock)
        {
            if (Generation != generation)
            {
                return;
            }

            if (_entries.TryGetValue((kind, id), out var existing))
            {
                Remove(existing);
            }

            _entries[(kind, id)] = _recency.AddFirst(new Entry(kind, id, _time.GetUtcNow() + _ttl));
            while (_entries.Count > _capacity)
            {
                Remove(_recency.Last!);
            }
        }
    }

    /// <summary>The id exists now (it was just created): never answer it from memory again.</summary>
    public void Forget(UnknownIdKind kind, string id)
    {
        lock (_lock)
        {
            Interlocked.Increment(ref _generation);
            if (_entries.TryGetValue((kind, id), out var node))
            {
                Remove(node);
            }
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _entries.Remove((node.Value.Kind, node.Value.Id));
        _recency.Remove(node);
    }

    private sealed record Entry(UnknownIdKind Kind, string Id, DateTimeOffset Expires);
}
