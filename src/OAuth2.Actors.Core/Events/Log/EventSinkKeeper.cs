namespace OAuth2.Actors.Events.Log;

/// <summary>
/// On every node: asks the <c>event-sinks</c> region for each durable sink's consumer every
/// <see cref="EventLogSettings.KeepAliveInterval"/>. The first ask starts them; after the node that consumed a sink
/// leaves or dies, the next ask starts it on a node that is up (sharding allocates its shard again).
/// </summary>
public sealed class EventSinkKeeper : ReceiveActor, IWithTimers
{
    private readonly IActorRef _region;
    private readonly IReadOnlyList<string> _sinks;
    private readonly TimeSpan _interval;

    public EventSinkKeeper(IActorRef region, IReadOnlyList<string> sinks, TimeSpan interval)
    {
        _region = region;
        _sinks = sinks;
        _interval = interval;
        Receive<Tick>(_ =>
        {
            foreach (var sink in _sinks)
            {
                _region.Tell(new KeepSinkRunning(sink), ActorRefs.NoSender);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, IReadOnlyList<string> sinks, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new EventSinkKeeper(region, sinks, interval));

    protected override void PreStart()
    {
        Self.Tell(Tick.Instance);
        Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _interval);
    }

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }
}
