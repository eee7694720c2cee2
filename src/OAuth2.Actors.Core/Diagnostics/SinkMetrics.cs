using System.Diagnostics.Metrics;

namespace OAuth2.Actors.Diagnostics;

/// <summary>Why an event never reached a sink (the <c>oauth2.reason</c> label of <c>oauth2.sink.events.dropped</c>).</summary>
public static class DropReasons
{
    /// <summary>A live-only sink's queue was full (runtime-registered sinks and plugins, which have no log behind them).</summary>
    public const string QueueFull = "queue_full";

    /// <summary>The event log's database was down for longer than the writer can hold events: the event was never logged.</summary>
    public const string LogUnavailable = "log_unavailable";

    /// <summary>Retention purged the event from the log before the sink had read it.</summary>
    public const string Retention = "retention";
}

/// <summary>The instruments every sink shares; each measurement carries the sink's name as <c>oauth2.sink</c>.</summary>
internal sealed class SinkInstruments
{
    public SinkInstruments(Meter meter, double[] latencyBuckets, Func<IEnumerable<SinkMetrics>> sinks)
    {
        Delivered = meter.CreateCounter<long>("oauth2.sink.events.delivered", "{event}", "Events a sink's destination acknowledged (replays included).");
        Failed = meter.CreateCounter<long>("oauth2.sink.events.failed", "{event}", "Events in delivery attempts that failed (a durable sink retries them; a live one may not).");
        Dropped = meter.CreateCounter<long>("oauth2.sink.events.dropped", "{event}", "Events that will never reach a sink, by reason: queue_full, log_unavailable, retention.");
        Retried = meter.CreateCounter<long>("oauth2.sink.events.retried", "{event}", "Events sent again after a failed attempt.");
        Latency = meter.CreateHistogram(
            "oauth2.sink.delivery.latency",
            "s",
            "From the event's produced_at to its destination's acknowledgement.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = latencyBuckets });
        meter.CreateObservableGauge("oauth2.sink.queue.depth", () => Observe(sinks(), s => s.QueueDepth()), "{event}", "Events held in a sink's queue on this node, waiting for or in delivery.");
        meter.CreateObservableGauge("oauth2.sink.log.lag", () => Observe(sinks(), s => s.Lag()?.Events), "{event}", "Events in the log a durable sink has not acknowledged yet.");
        LagAge = meter.CreateObservableGauge("oauth2.sink.log.lag.time", () => ObserveSeconds(sinks()), "s", "How long the oldest event a durable sink has not acknowledged has been in the log.");
    }

    public Counter<long> Delivered { get; }

    public Counter<long> Failed { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Retried { get; }

    public Histogram<double> Latency { get; }

    public ObservableGauge<double> LagAge { get; }

    private static IEnumerable<Measurement<long>> Observe(IEnumerable<SinkMetrics> sinks, Func<SinkMetrics, long?> read)
    {
        foreach (var sink in sinks)
        {
            if (read(sink) is { } value)
            {
                yield return new Measurement<long>(value, sink.Tag);
            }
        }
    }

    private static IEnumerable<Measurement<double>> ObserveSeconds(IEnumerable<SinkMetrics> sinks)
    {
        foreach (var sink in sinks)
        {
            if (sink.Lag() is { } lag)
            {
                yield return new Measurement<double>(lag.Age.TotalSeconds, sink.Tag);
            }
        }
    }
}

/// <summary>How far behind the log a durable sink is: unacknowledged events, and the age of the oldest of them (zero when none).</summary>
public sealed record SinkLag(long Events, TimeSpan Age);

/// <summary>
/// One sink's measurements. The node's deliverer of the sink (a live sink actor, or the durable sink's consumer while
/// this node consumes it) records what happens and tells the gauges where to read its queue and lag.
/// </summary>
public sealed class SinkMetrics
{
    private readonly SinkInstruments _instruments;
    private readonly Source<Func<long>> _queueDepth = new();
    private readonly Source<Func<SinkLag?>> _lag = new();

    internal SinkMetrics(SinkInstruments instruments, string name)
    {
        _instruments = instruments;
        Name = name;
        Tag = new KeyValuePair<string, object?>("oauth2.sink", name);
    }

    public string Name { get; }

    internal KeyValuePair<string, object?> Tag { get; }

    public void Delivered(int count) => _instruments.Delivered.Add(count, Tag);

    public void Failed(int count) => _instruments.Failed.Add(count, Tag);

    public void Retried(int count) => _instruments.Retried.Add(count, Tag);

    public void Dropped(long count, string reason) => _instruments.Dropped.Add(count, Tag, new KeyValuePair<string, object?>("oauth2.reason", reason));

    /// <summary>An acknowledged event's latency, from when it was produced to <paramref name="acknowledgedAt"/>.</summary>
    public void Acknowledged(DateTimeOffset producedAt, DateTimeOffset acknowledgedAt)
    {
        if (_instruments.Latency.Enabled)
        {
            _instruments.Latency.Record(Math.Max(0, (acknowledgedAt - producedAt).TotalSeconds), Tag);
        }
    }

    /// <summary>Where the queue-depth gauge reads this sink from, until the returned handle is disposed.</summary>
    public IDisposable ObserveQueue(Func<long> depth) => _queueDepth.Set(depth);

    /// <summary>Where the log-lag gauges read this sink from, until the returned handle is disposed.</summary>
    public IDisposable ObserveLag(Func<SinkLag?> lag) => _lag.Set(lag);

    /// <summary>Whether anyone collects the lag-age gauge (its reading costs the consumer a read of the log).</summary>
    public bool LagAgeObserved => _instruments.LagAge.Enabled;

    internal long? QueueDepth() => _queueDepth.Current?.Invoke();

    internal SinkLag? Lag() => _lag.Current?.Invoke();

    /// <summary>The one current reader of a gauge; a handle clears it unless a newer deliverer (a consumer restarted on this node) has taken it since.</summary>
    private sealed class Source<T>
        where T : class
    {
        private T? _current;

        public T? Current => Volatile.Read(ref _current);

        public IDisposable Set(T source)
        {
            Volatile.Write(ref _current, source);
            return new Unregister(() => Interlocked.CompareExchange(ref _current, null, source));
        }
    }
}
