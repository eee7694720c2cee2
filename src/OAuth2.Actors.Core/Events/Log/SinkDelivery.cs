using System.Diagnostics;
using System.Threading.Channels;
using Akka;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Events.Log;

/// <summary>One logged event on its way to a sink; no envelope for an event the sink's own filter leaves out (it still moves the cursor).</summary>
internal readonly record struct SinkItem(long Position, DateTimeOffset AppendedAt, EventEnvelope? Envelope, bool Replay);

/// <summary>
/// The delivery half of a durable sink's consumer: a bounded queue that the consumer fills from the log, drained by an
/// Akka.Streams graph (throttle when the sink has a rate limit, batching while the plugin is busy, the plugin's
/// parallelism) that retries every batch until the plugin accepts it, then acknowledges its positions in order. Nothing
/// is dropped here: what does not fit stays in the log until there is room.
/// </summary>
internal sealed class SinkDelivery : IDisposable
{
    private readonly IEventPlugin _plugin;
    private readonly TimeSpan _timeout;
    private readonly ILoggingAdapter _log;
    private readonly SinkMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Func<bool> _mayDeliver;
    private readonly Action _roomFreed;
    private readonly Channel<SinkItem> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private long _acked;
    private long _delivered;
    private long _failed;
    private long _skipped;
    private long _replayed;
    private long _replayAcked;
    private int _consecutiveFailures;
    private int _wantRoom;
    private string? _lastError;

    /// <param name="mayDeliver">Read before every attempt: false while the sink is paused or its lease is not known to be held.</param>
    /// <param name="roomFreed">Called (from a stream thread) when the queue has drained to half after the consumer asked for room.</param>
    /// <param name="metrics">The sink's instruments: delivered, failed and retried events, and each acknowledged event's latency (by <paramref name="time"/>).</param>
    public SinkDelivery(IEventPlugin plugin, int capacity, TimeSpan timeout, long cursor, ILoggingAdapter log, Func<bool> mayDeliver, Action roomFreed, SinkMetrics metrics, TimeProvider time)
    {
        _plugin = plugin;
        _metrics = metrics;
        _time = time;
        _timeout = plugin.Options.Timeout ?? timeout;
        _log = log;
        _mayDeliver = mayDeliver;
        _roomFreed = roomFreed;
        _acked = cursor;
        Capacity = capacity;
        _queue = Channel.CreateBounded<SinkItem>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    public int Capacity { get; }

    public int Free => Capacity - _queue.Reader.Count;

    /// <summary>Events waiting in the queue for the delivery stream.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>The last position the plugin acknowledged (every position up to it is delivered or left out by the filter).</summary>
    public long Acked => Interlocked.Read(ref _acked);

    public long ReplayAcked => Interlocked.Read(ref _replayAcked);

    public bool Failing => Volatile.Read(ref _consecutiveFailures) > 0;

    public string? LastError => Volatile.Read(ref _lastError);

    public SinkCounters Counters => new(Interlocked.Read(ref _delivered), Interlocked.Read(ref _failed), Interlocked.Read(ref _skipped), Interlocked.Read(ref _replayed));

    /// <summary>Queues an item; false when the queue is full (the consumer leaves it in the log and asks for room).</summary>
    public bool TryAdd(SinkItem item) => _queue.Writer.TryWrite(item);

    /// <summary>The consumer wants to be told when the queue has room again.</summary>
    public void WantRoom() => Volatile.Write(ref _wantRoom, 1);

    public void Start(IMaterializer materializer, EventSinkPolicy policy)
    {
        var options = _plugin.Options;
        var maxBatch = Math.Max(1, options.MaxBatch);
        Source<SinkItem, NotUsed> source = ChannelSource.FromReader(_queue.Reader);
        if (policy.RatePerSecond is { } rate)
        {
            // Events over the limit wait here, then in the queue, then in the log: never dropped.
            source = source.Throttle(rate, TimeSpan.FromSeconds(1), rate, item => item.Envelope is null ? 0 : 1, ThrottleMode.Shaping);
        }

        source
            .Batch(maxBatch, item => new List<SinkItem>(maxBatch) { item }, (batch, item) =>
            {
                batch.Add(item);
                return batch;
            })
            .SelectAsync(Math.Max(1, options.Parallelism), Deliver)
            .RunWith(Sink.ForEach<List<SinkItem>>(Acknowledge), materializer);
    }

    private async Task<List<SinkItem>> Deliver(List<SinkItem> items)
    {
        var envelopes = new List<EventEnvelope>(items.Count);
        foreach (var item in items)
        {
            if (item.Envelope is { } envelope)
            {
                envelopes.Add(envelope);
            }
        }

        if (envelopes.Count == 0)
        {
            return items;
        }

        using var span = OAuth2Tracing.StartDelivery(_plugin.Name, envelopes);
        var backoff = _plugin.Options.MinBackoff;
        var failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            if (!_mayDeliver())
            {
                await Pause(TimeSpan.FromMilliseconds(50));
                continue;
            }

            if (failures > 0)
            {
                _metrics.Retried(envelopes.Count);
            }

            try
            {
                var emit = Emit(items, envelopes);
                if (!emit.IsCompletedSuccessfully)
                {
                    await emit.WaitAsync(_timeout, _stopping.Token);
                }

                Volatile.Write(ref _consecutiveFailures, 0);
                return items;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Held, not skipped: the log keeps everything behind it until the destination takes it.
                failures++;
                Interlocked.Add(ref _failed, envelopes.Count);
                _metrics.Failed(envelopes.Count);
                span?.AddEvent(new ActivityEvent("delivery failed", tags: new ActivityTagsCollection { ["error.type"] = e.GetType().Name }));
                var error = e.GetType().Name + ": " + e.Message;
                Volatile.Write(ref _lastError, error);
                if (Interlocked.Increment(ref _consecutiveFailures) % 20 == 1)
                {
                    _log.Warning("Event sink {Sink} cannot deliver ({Error}); retrying with backoff from event {EventId}", _plugin.Name, error, envelopes[0].Event.Id);
                }

                await Pause(backoff * (0.8 + (Random.Shared.NextDouble() * 0.4)));
                backoff = TimeSpan.FromTicks(Math.Min(_plugin.Options.MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }

        // Stopping: the batch is not acknowledged, so whoever consumes the sink next delivers it again.
        return [];
    }

    private Task Emit(List<SinkItem> items, List<EventEnvelope> envelopes)
    {
        if (_plugin is ILoggedEventPlugin logged)
        {
            var batch = new List<LoggedEvent>(envelopes.Count);
            foreach (var item in items)
            {
                if (item.Envelope is { } envelope)
                {
                    batch.Add(new LoggedEvent(item.Position, item.AppendedAt, envelope));
                }
            }

            return logged.EmitLoggedAsync(batch, _stopping.Token);
        }

        return envelopes.Count == 1 ? _plugin.EmitAsync(envelopes[0], _stopping.Token) : _plugin.EmitBatchAsync(envelopes, _stopping.Token);
    }

    private async Task Pause(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Acknowledge(List<SinkItem> items)
    {
        var now = _time.GetUtcNow();
        var delivered = 0;
        foreach (var item in items)
        {
            if (item.Envelope is not { } envelope)
            {
                Interlocked.Increment(ref _skipped);
            }
            else
            {
                delivered++;
                if (item.Replay)
                {
                    Interlocked.Increment(ref _replayed);
                }
                else
                {
                    // A replayed event's age says nothing about delivery: only first deliveries go in the latency.
                    Interlocked.Increment(ref _delivered);
                    _metrics.Acknowledged(envelope.ProducedAt, now);
                }
            }

            if (item.Replay)
            {
                Interlocked.Exchange(ref _replayAcked, item.Position);
            }
            else
            {
                Interlocked.Exchange(ref _acked, item.Position);
            }
        }

        if (delivered > 0)
        {
            _metrics.Delivered(delivered);
        }

        if (Volatile.Read(ref _wantRoom) == 1 && _queue.Reader.Count <= Capacity / 2 && Interlocked.Exchange(ref _wantRoom, 0) == 1)
        {
            _roomFreed();
        }
    }

    public void Dispose()
    {
        // Not disposed: deliveries still running read its token once more on their way out.
        _queue.Writer.TryComplete();
        _stopping.Cancel();
    }
}
