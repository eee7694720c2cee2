using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

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
    private long _delivered;
    private long _failed;
    private long _dropped;

    public PluginSinkActor(IEventPlugin plugin, int bufferSize, TimeSpan timeout)
    {
        _plugin = plugin;
        _timeout = timeout;
        _queue = Channel.CreateBounded<EventEnvelope>(new BoundedChannelOptions(bufferSize)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false, which is our "dropped".
            SingleReader = true,
            SingleWriter = true,
        });

        Receive<EventEnvelope>(e =>
        {
            if (!_queue.Writer.TryWrite(e))
            {
                if (Interlocked.Increment(ref _dropped) % 10_000 == 1)
                {
                    _log.Warning("Event sink {Sink} is full ({Capacity} buffered): dropping new events", _plugin.Name, bufferSize);
                }
            }
        });
        Receive<GetSinkHealth>(_ => Health().PipeTo(Sender));
        Receive<QueryEvents>(q => Sender.Tell(new EventsFound(_plugin is IQueryableEventPlugin queryable ? queryable.Query(q.Query) : [])));
    }

    public static Props Props(IEventPlugin plugin, int bufferSize, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new PluginSinkActor(plugin, bufferSize, timeout));

    protected override void PreStart()
    {
        ChannelSource.FromReader(_queue.Reader)
            .SelectAsync(1, Deliver)
            .RunWith(Sink.Ignore<Done>(), Context.Materializer());
    }

    protected override void PostStop()
    {
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task<Done> Deliver(EventEnvelope envelope)
    {
        try
        {
            var emit = _plugin.EmitAsync(envelope, _stopping.Token);
            if (!emit.IsCompletedSuccessfully)
            {
                // A hung plugin costs this sink at most the timeout per event, and nothing to anyone else.
                await emit.WaitAsync(_timeout, _stopping.Token);
            }

            Interlocked.Increment(ref _delivered);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref _failed) % 1_000 == 1)
            {
                _log.Warning("Event sink {Sink} failed to deliver event {EventId}: {Error}", _plugin.Name, envelope.Event.Id, e.GetType().Name + ": " + e.Message);
            }
        }

        return Done.Instance;
    }

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

        return new SinkHealth(_plugin.Name, "plugin", healthy, Interlocked.Read(ref _delivered), Interlocked.Read(ref _failed), Interlocked.Read(ref _dropped), _queue.Reader.Count);
    }
}
