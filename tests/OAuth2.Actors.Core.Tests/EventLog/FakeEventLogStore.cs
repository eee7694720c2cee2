using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Core.Tests.EventLog;

/// <summary>
/// The log store's contract in memory, for specs of one actor (the SQL store has its own tests on both databases).
/// <see cref="Failing"/> makes every call throw, as a database that does not answer.
/// </summary>
internal sealed class FakeEventLogStore : IEventLogStore
{
    private readonly Lock _lock = new();
    private readonly List<LoggedEvent> _events = [];
    private readonly Dictionary<string, (string EventId, DateTimeOffset FirstSeen)> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SinkCursor> _sinks = new(StringComparer.Ordinal);
    private long _head;

    public bool Failing { get => Volatile.Read(ref _failing); set => Volatile.Write(ref _failing, value); }

    private bool _failing;

    public int Appends { get; private set; }

    public IReadOnlyList<LoggedEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToArray();
            }
        }
    }

    public SinkCursor? Sink(string name)
    {
        lock (_lock)
        {
            return _sinks.GetValueOrDefault(name);
        }
    }

    /// <summary>Gives the sink's lease to someone else (as another node taking it over would).</summary>
    public void StealLease(string sink, string owner, DateTimeOffset until)
    {
        lock (_lock)
        {
            _sinks[sink] = _sinks[sink] with { Owner = owner, LeaseUntil = until };
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => Run(() => 0);

    public Task<IReadOnlyList<AppendOutcome>> AppendAsync(IReadOnlyList<LogAppend> items, DateTimeOffset now, TimeSpan dedupWindow, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<AppendOutcome>>(() =>
        {
            Appends++;
            var outcomes = new List<AppendOutcome>(items.Count);
            foreach (var item in items)
            {
                if (item.IdempotencyKey is { } key && _keys.TryGetValue(key, out var seen) && seen.FirstSeen > now - dedupWindow)
                {
                    outcomes.Add(new AppendOutcome(0, seen.EventId));
                    continue;
                }

                var position = ++_head;
                _events.Add(new LoggedEvent(position, now, item.Envelope));
                if (item.IdempotencyKey is { } newKey)
                {
                    _keys[newKey] = (item.Envelope.Event.Id, now);
                }

                outcomes.Add(new AppendOutcome(position));
            }

            return outcomes;
        });

    public Task<long> HeadAsync(CancellationToken cancellationToken) => Run(() => _head);

    public Task<IReadOnlyList<LoggedEvent>> ReadAsync(long after, int limit, long? upTo, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<LoggedEvent>>(() => _events.Where(e => e.Position > after && (upTo is null || e.Position <= upTo)).Take(limit).ToArray());

    public Task<EventLogPage> QueryAsync(EventLogQuery query, CancellationToken cancellationToken) =>
        Run(() =>
        {
            var matching = (query.Order == LogOrder.Ascending ? _events : Enumerable.Reverse(_events))
                .Where(e => query.After is not { } after || (query.Order == LogOrder.Ascending ? e.Position > after : e.Position < after))
                .Where(e => query.Types is null || query.Types.Contains(e.Envelope.Event.EventType))
                .Take(query.Limit + 1)
                .ToArray();
            var page = matching.Take(query.Limit).ToArray();
            return new EventLogPage(page, matching.Length > query.Limit ? page[^1].Position : null);
        });

    public Task<LoggedEvent?> FindAsync(string eventId, CancellationToken cancellationToken) =>
        Run(() => _events.FirstOrDefault(e => e.Envelope.Event.Id == eventId));

    public Task<long> PositionAtAsync(DateTimeOffset time, bool atOrAfter, CancellationToken cancellationToken) =>
        Run(() => atOrAfter
            ? (_events.FirstOrDefault(e => e.AppendedAt >= time)?.Position ?? _head + 1) - 1
            : _events.LastOrDefault(e => e.AppendedAt <= time)?.Position ?? 0);

    public Task EnsureSinksAsync(IReadOnlyCollection<string> sinks, CancellationToken cancellationToken) =>
        Run(() =>
        {
            foreach (var sink in sinks)
            {
                _sinks.TryAdd(sink, new SinkCursor(sink, _head, false, 0, null, null));
            }

            return 0;
        });

    public Task<SinkCursor?> ClaimSinkAsync(string sink, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        Run(() =>
        {
            var row = _sinks.GetValueOrDefault(sink) ?? new SinkCursor(sink, _head, false, 0, null, null);
            if (row.Owner is not null && row.Owner != owner && row.LeaseUntil > now)
            {
                return null;
            }

            return _sinks[sink] = row with { Owner = owner, LeaseUntil = now + lease };
        });

    public Task<SinkCursor?> CommitSinkAsync(string sink, string owner, long position, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        Run(() =>
        {
            if (!_sinks.TryGetValue(sink, out var row) || row.Owner != owner)
            {
                return null;
            }

            return _sinks[sink] = row with { Position = Math.Max(row.Position, position), LeaseUntil = now + lease };
        });

    public Task ReleaseSinkAsync(string sink, string owner, long position, CancellationToken cancellationToken) =>
        Run(() =>
        {
            if (_sinks.TryGetValue(sink, out var row) && row.Owner == owner)
            {
                _sinks[sink] = row with { Position = Math.Max(row.Position, position), Owner = null, LeaseUntil = null };
            }

            return 0;
        });

    public Task SetSinkPausedAsync(string sink, bool paused, CancellationToken cancellationToken) =>
        Run(() => _sinks[sink] = _sinks[sink] with { Paused = paused });

    public Task DeleteSinkAsync(string sink, CancellationToken cancellationToken) =>
        Run(() => _sinks.Remove(sink));

    public Task<IReadOnlyList<SinkCursor>> SinksAsync(CancellationToken cancellationToken) =>
        Run<IReadOnlyList<SinkCursor>>(() => _sinks.Values.ToArray());

    public Task<PurgeOutcome> PurgeAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken) =>
        Run(() =>
        {
            var purged = _events.Where(e => e.AppendedAt < olderThan).Take(batchSize).ToArray();
            var lost = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (name, row) in _sinks.ToArray())
            {
                var count = purged.Count(e => e.Position > row.Position);
                if (count > 0)
                {
                    lost[name] = count;
                    _sinks[name] = row with { Lost = row.Lost + count };
                }
            }

            _events.RemoveAll(e => purged.Contains(e));
            return new PurgeOutcome(purged.Length, lost);
        });

    public Task<int> PurgeIdempotencyKeysAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken) =>
        Run(() => 0);

    private Task<T> Run<T>(Func<T> body)
    {
        if (Failing)
        {
            return Task.FromException<T>(new InvalidOperationException("the database does not answer"));
        }

        lock (_lock)
        {
            return Task.FromResult(body());
        }
    }
}
