namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// The last batches emitted, so that a batch the consumer emits again because it stopped waiting (its timeout passed,
/// or the sink restarted on this node) is not posted twice: while it runs, and for a minute after it ended when
/// it was slow enough for the consumer to give up on it. A quick batch emitted again (a replay) is posted again.
/// </summary>
internal sealed class RecentBatches
{
    private const int Capacity = 256;
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public Task GetOrRun(string key, Func<Task> run)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var existing) && existing.Covers())
            {
                return existing.Task;
            }

            var entry = new Entry(System.Diagnostics.Stopwatch.GetTimestamp());
            entry.Task = Track(entry, run());
            if (!_entries.ContainsKey(key))
            {
                _order.Enqueue(key);
            }

            _entries[key] = entry;
            while (_order.Count > Capacity)
            {
                _entries.Remove(_order.Dequeue());
            }

            return entry.Task;
        }
    }

    private static async Task Track(Entry entry, Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        finally
        {
            entry.Ended = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    private sealed class Entry(long started)
    {
        public Task Task { get; set; } = Task.CompletedTask;

        public long Ended { get; set; }

        public bool Covers()
        {
            if (!Task.IsCompleted)
            {
                return true;
            }

            return Task.IsCompletedSuccessfully
                && System.Diagnostics.Stopwatch.GetElapsedTime(started, Ended) >= Slow
                && System.Diagnostics.Stopwatch.GetElapsedTime(Ended) < Remembered;
        }
    }
}
