using System.Diagnostics;
using System.Threading.Channels;
using Akka;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Events;

/// <summary>
/// Runs one <see cref="IEventPlugin"/> behind a bounded queue drained by an Akka.Streams graph, so the plugin
/// sees one event at a time at its own pace (backpressure) while the router never waits. Overflow policy:
/// when the queue is full the newest event is dropped and counted.
/// </summary>
public sealed class PluginSinkActor : ReceiveActor
{
    private readonly IEventPlugin _plugin;
    private readonly TimeSpan _timeout;
    private readonly Channel<EventEnvelope> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeProvider _time;
    private readonly SinkMetrics _metrics;
    private readonly IDisposable _queueGauge;
    private long _delivered;
    private long _failed;
    private long _dropped;
    private long _inFlight;
    private int _consecutiveFailures;
    private static readonly Task<Done> DoneTask = Task.FromResult(Done.Instance);

    public PluginSinkActor(IEventPlugin plugin, int bufferSize, TimeSpan timeout, TimeProvider? time = null)
    {
        _plugin = plugin;
        _time = time ?? TimeProvider.System;
        _timeout = plugin.Options.Timeout ?? timeout;
        _queue = Channel.CreateBounded<EventEnvelope>(new BoundedChannelOptions(bufferSize)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false, which is our "dropped".
            SingleReader = true,
            SingleWriter = true,
        });
        _metrics = Context.System.Metrics().ForSink(plugin.Name);
        _queueGauge = _metrics.ObserveQueue(() => _queue.Reader.Count + Interlocked.Read(ref _inFlight));

        Receive<EventBatch>(batch =>
        {
            foreach (var e in batch.Events)
            {
                if (_queue.Writer.TryWrite(e))
                {
                    continue;
                }

                _metrics.Dropped(1, DropReasons.QueueFull);
                if (Interlocked.Increment(ref _dropped) % 10_000 == 1)
                {
                    _log.Warning("Event sink {Sink} is full ({Capacity} buffered): dropping new events", _plugin.Name, bufferSize);
                }
            }
        });
        Receive<GetSinkHealth>(_ => Health().PipeTo(Sender));
        Receive<DrainSink>(d => Drain(d.Timeout).PipeTo(Sender));
        Receive<QueryEvents>(q => Sender.Tell(new EventsFound(_plugin is IQueryableEventPlugin queryable ? queryable.Query(q.Query) : [])));
    }

    public static Props Props(IEventPlugin plugin, int bufferSize, TimeSpan timeout, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new PluginSinkActor(plugin, bufferSize, timeout, time));

    protected override void PreStart()
    {
        var options = _plugin.Options;
        var materializer = Context.Materializer();
        var source = ChannelSource.FromReader(_queue.Reader);
        if (options.MaxBatch > 1)
        {
            // Batch only forms while the plugin is busy (backpressure), so an idle sink adds no latency.
            source
                .Batch(options.MaxBatch, e => new List<EventEnvelope>(options.MaxBatch) { e }, (batch, e) =>
                {
                    batch.Add(e);
                    return batch;
                })
                .SelectAsync(Math.Max(1, options.Parallelism), batch => Deliver(batch, options))
                .RunWith(Sink.Ignore<Done>(), materializer);
        }
        else
        {
            source
                .SelectAsync(Math.Max(1, options.Parallelism), e => Deliver(e, options))
                .RunWith(Sink.Ignore<Done>(), materializer);
        }
    }

    protected override void PostStop()
    {
        _queueGauge.Dispose();
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private Task<Done> Deliver(EventEnvelope envelope, EventPluginOptions options)
    {
        if (!options.RetryUntilDelivered)
        {
            // Fast path: a plugin that completes synchronously (in-memory) costs no async machinery.
            var span = OAuth2Tracing.StartDelivery(_plugin.Name, [envelope]);
            try
            {
                var emit = _plugin.EmitAsync(envelope, _stopping.Token);
                if (emit.IsCompletedSuccessfully)
                {
                    Delivered(envelope);
                    _consecutiveFailures = 0;
                    span?.Dispose();
                    return DoneTask;
                }

                var awaiting = Await(emit, envelope, span);
                if (span is not null)
                {
                    // The wait carries the span; the stream's thread goes on without it.
                    Activity.Current = null;
                }

                return awaiting;
            }
            catch (Exception e)
            {
                Failed(1, envelope.Event.Id, e, span);
                return DoneTask;
            }
        }

        return Deliver([envelope], options);
    }

    private async Task<Done> Deliver(IReadOnlyList<EventEnvelope> batch, EventPluginOptions options)
    {
        using var span = OAuth2Tracing.StartDelivery(_plugin.Name, batch);
        Interlocked.Add(ref _inFlight, batch.Count);
        try
        {
            var backoff = options.MinBackoff;
            var attempt = 0;
            while (true)
            {
                try
                {
                    if (attempt++ > 0)
                    {
                        _metrics.Retried(batch.Count);
                    }

                    var emit = batch.Count == 1 ? _plugin.EmitAsync(batch[0], _stopping.Token) : _plugin.EmitBatchAsync(batch, _stopping.Token);
                    await emit.WaitAsync(_timeout, _stopping.Token);
                    foreach (var envelope in batch)
                    {
                        Delivered(envelope);
                    }

                    _consecutiveFailures = 0;
                    return Done.Instance;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return Done.Instance;
                }
                catch (Exception e)
                {
                    if (!options.RetryUntilDelivered)
                    {
                        Failed(batch.Count, batch[0].Event.Id, e, span);
                        return Done.Instance;
                    }

                    // Hold the batch (and, behind it, the bounded queue) until the destination is back.
                    _metrics.Failed(batch.Count);
                    span?.AddEvent(new ActivityEvent("delivery failed", tags: new ActivityTagsCollection { ["error.type"] = e.GetType().Name }));
                    if (Interlocked.Increment(ref _consecutiveFailures) % 20 == 1)
                    {
                        _log.Warning("Event sink {Sink} cannot deliver ({Error}); holding {Count} event(s), retrying with backoff", _plugin.Name, e.GetType().Name + ": " + e.Message, batch.Count + _queue.Reader.Count);
                    }

                    await Task.Delay(Jitter(backoff), _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    if (_stopping.IsCancellationRequested)
                    {
                        return Done.Instance;
                    }

                    backoff = TimeSpan.FromTicks(Math.Min(options.MaxBackoff.Ticks, backoff.Ticks * 2));
                }
            }
        }
        finally
        {
            Interlocked.Add(ref _inFlight, -batch.Count);
        }
    }

    private async Task<Done> Await(Task emit, EventEnvelope envelope, Activity? span)
    {
        // Still held by this sink until the plugin finishes: counted as buffered, and waited for by a drain.
        Interlocked.Increment(ref _inFlight);
        try
        {
            // A hung plugin costs this sink at most the timeout per event, and nothing to anyone else.
            await emit.WaitAsync(_timeout, _stopping.Token);
            Delivered(envelope);
            _consecutiveFailures = 0;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Failed(1, envelope.Event.Id, e, span);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            span?.Dispose();
        }

        return Done.Instance;
    }

    private void Delivered(EventEnvelope envelope)
    {
        Interlocked.Increment(ref _delivered);
        _metrics.Delivered(1);
        _metrics.Acknowledged(envelope.ProducedAt, _time.GetUtcNow());
    }

    private void Failed(int count, string firstId, Exception e, Activity? span)
    {
        span?.Failed(e.GetType().Name);
        span?.Dispose();
        _metrics.Failed(count);
        Interlocked.Increment(ref _consecutiveFailures);
        if (Interlocked.Add(ref _failed, count) % 1_000 <= count)
        {
            _log.Warning("Event sink {Sink} failed to deliver event {EventId}: {Error}", _plugin.Name, firstId, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Completes when the queue is empty and no batch is in flight, or at the deadline; the stream keeps running.</summary>
    private async Task<SinkDrained> Drain(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long Held() => _queue.Reader.Count + Interlocked.Read(ref _inFlight);
        while (Held() > 0 && DateTime.UtcNow < deadline && !_stopping.IsCancellationRequested)
        {
            await Task.Delay(20);
        }

        return new SinkDrained(_plugin.Name, Held());
    }

    private static TimeSpan Jitter(TimeSpan backoff) => backoff * (0.8 + (Random.Shared.NextDouble() * 0.4));

    private async Task<SinkHealth> Health()
    {
        bool healthy;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            healthy = await _plugin.HealthCheckAsync(cts.Token).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            healthy = false;
        }

        // A sink that keeps failing is unhealthy even if its destination answers a ping.
        healthy = healthy && Volatile.Read(ref _consecutiveFailures) == 0;
        return new SinkHealth(_plugin.Name, "plugin", healthy, Interlocked.Read(ref _delivered), Interlocked.Read(ref _failed), Interlocked.Read(ref _dropped), _queue.Reader.Count + Interlocked.Read(ref _inFlight), _plugin.Counters);
    }
}
