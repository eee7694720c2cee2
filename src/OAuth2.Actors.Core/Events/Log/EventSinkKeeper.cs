using Akka.Event;

namespace OAuth2.Actors.Events.Log;

/// <summary>
/// On every node: asks the <c>event-sinks</c> region for each durable sink's consumer every
/// <see cref="EventLogSettings.KeepAliveInterval"/>: the configured sinks, and the dynamic ones (webhook endpoints) their
/// sources name at that moment. The first ask starts them; after the node that consumed a sink leaves or dies, the next
/// ask starts it on a node that is up (sharding allocates its shard again).
/// </summary>
public sealed class EventSinkKeeper : ReceiveActor, IWithTimers
{
    private readonly IActorRef _region;
    private readonly IReadOnlyList<string> _sinks;
    private readonly IReadOnlyList<IDynamicEventSinks> _dynamicSinks;
    private readonly TimeSpan _interval;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public EventSinkKeeper(IActorRef region, IReadOnlyList<string> sinks, IReadOnlyList<IDynamicEventSinks> dynamicSinks, TimeSpan interval)
    {
        _region = region;
        _sinks = sinks;
        _dynamicSinks = dynamicSinks;
        _interval = interval;
        Receive<Tick>(_ =>
        {
            Keep(_sinks);
            foreach (var source in _dynamicSinks)
            {
                source.SinkNamesAsync(CancellationToken.None).PipeTo(Self, success: names => new DynamicNames(names), failure: e => new DynamicNamesFailed(e));
            }
        });
        Receive<DynamicNames>(d => Keep(d.Names));
        Receive<DynamicNamesFailed>(f => _log.Warning("Event sink keeper: the dynamic sinks could not be listed ({0}); they keep running where they run", f.Error.GetType().Name + ": " + f.Error.Message));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, IReadOnlyList<string> sinks, TimeSpan interval) =>
        Props(region, sinks, [], interval);

    public static Props Props(IActorRef region, IReadOnlyList<string> sinks, IReadOnlyList<IDynamicEventSinks> dynamicSinks, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new EventSinkKeeper(region, sinks, dynamicSinks, interval));

    protected override void PreStart()
    {
        Self.Tell(Tick.Instance);
        Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _interval);
    }

    private void Keep(IEnumerable<string> sinks)
    {
        foreach (var sink in sinks)
        {
            _region.Tell(new KeepSinkRunning(sink), ActorRefs.NoSender);
        }
    }

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed record DynamicNames(IReadOnlyCollection<string> Names) : INoSerializationVerificationNeeded;

    private sealed record DynamicNamesFailed(Exception Error) : INoSerializationVerificationNeeded;
}
