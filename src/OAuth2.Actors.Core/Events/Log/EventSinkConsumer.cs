using Akka.Event;
using Akka.Streams;
using OAuth2.Actors.Auth;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Events.Log;

/// <summary>
/// Delivers the log to one durable sink from the sink's own cursor: a sharded entity (region <c>event-sinks</c>, id =
/// the sink's name), so one node at a time consumes a sink, and it moves when its node leaves or dies. It delivers only
/// while it holds the sink's lease in the database (renewed with every cursor commit), so even a node cut off from the
/// cluster stops before another can take the sink over.
/// </summary>
/// <remarks>
/// Events reach it two ways: the batches this node's <see cref="EventLogWriter"/> has just committed (taken as they are
/// when they follow on from what is queued and there is room: no read back), and pages read from the log from the last
/// queued position (catching up after a restart, a pause, an outage longer than the queue, or events other nodes
/// appended, which it learns of by polling the head). Its cursor moves only once the plugin has acknowledged, and is
/// committed every <see cref="EventLogSettings.CommitInterval"/>: after a crash the next consumer delivers at most that
/// much again, with the same event ids.
/// </remarks>
public sealed partial class EventSinkConsumer : ReceiveActor, IWithTimers
{
    private readonly string _sink;
    private readonly IEventPlugin? _plugin;
    private readonly bool _ownsPlugin;
    private readonly bool _dynamic;
    private readonly IEventLogStore _store;
    private readonly EventSettings _settings;
    private readonly EventLogSettings _log;
    private readonly EventSinkPolicy _policy;
    private readonly IActorRef _writer;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly string _node;
    private readonly string _owner;
    private readonly SinkMetrics _metrics;
    private SinkDelivery? _delivery;
    private IDisposable? _gauges;
    private LaggingEvent? _oldestUnacked; // written by a store read's continuation, read by the lag gauge
    private int _readingLag; // 1 while a lag-age read is under way (set here, cleared by its continuation)
    private long _committed;
    private long _queuedUpTo;
    private long _head;
    private long _lost;
    private bool _paused;
    private bool _behind;
    private bool _reading;
    private bool _headBehindAtLastPoll;
    private long _leaseValidUntil; // unix ms, read by the delivery stream
    private Replay? _replay;

    /// <param name="plugin">The configured sink's plugin (shared, never disposed here); null for a dynamic sink.</param>
    /// <param name="dynamicSinks">The source of a dynamic sink: it makes this consumer's own plugin, disposed when it stops.</param>
    public EventSinkConsumer(string sink, IEventPlugin? plugin, IDynamicEventSinks? dynamicSinks, IEventLogStore store, EventSettings settings, IActorRef writer, TimeProvider time)
    {
        _sink = sink;
        _dynamic = plugin is null && dynamicSinks is not null;
        _plugin = plugin ?? dynamicSinks?.CreatePlugin(sink);
        _ownsPlugin = _dynamic && _plugin is not null;
        _store = store;
        _settings = settings;
        _metrics = Context.System.Metrics().ForSink(sink);
        _log = settings.Log;
        _policy = settings.PolicyOf(sink);
        _writer = writer;
        _time = time;
        _node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.HostPort();
        // The node's address: a node that restarts on the same address (the old process is gone: it held the port) takes
        // its sinks back at once instead of waiting out its own lease; sharding never runs two consumers of a sink on one node.
        _owner = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string sink, IEventPlugin? plugin, IEventLogStore store, EventSettings settings, IActorRef writer, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new EventSinkConsumer(sink, plugin, null, store, settings, writer, time));

    /// <summary>A consumer of a sink <paramref name="dynamicSinks"/> owns: the plugin is made when the consumer starts (again after a restart).</summary>
    public static Props Props(string sink, IDynamicEventSinks dynamicSinks, IEventLogStore store, EventSettings settings, IActorRef writer, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new EventSinkConsumer(sink, null, dynamicSinks, store, settings, writer, time));

    private long Acked => _delivery?.Acked ?? _committed;

    protected override void PreStart()
    {
        if (_plugin is null && _dynamic)
        {
            // The sink was removed (a deleted webhook endpoint) before this consumer started: answer what was sent to it, then stop.
            _logger.Info("Event sink {Sink} no longer exists; its consumer stops", _sink);
            Become(Gone);
            Timers.StartSingleTimer(StopEntity.Instance, StopEntity.Instance, TimeSpan.FromSeconds(1));
            return;
        }

        if (_plugin is null)
        {
            _logger.Error("Event sink {Sink} is not configured on this node ({Node}); it cannot be consumed here. Configure the same sinks on every node.", _sink, _node);
            return;
        }

        Self.Tell(TryClaim.Instance);
    }

    protected override void PostStop()
    {
        _gauges?.Dispose();
        _delivery?.Dispose();
        ReleaseLease();
        if (_ownsPlugin)
        {
            DisposePlugin();
        }
    }

    private void ReleaseLease()
    {
        if (_delivery is not null)
        {
            try
            {
                // Hand the sink over with what was delivered, so the next consumer starts at once and repeats nothing.
                _store.ReleaseSinkAsync(_sink, _owner, _delivery.Acked, CancellationToken.None).Wait(TimeSpan.FromSeconds(2));
                _logger.Info("Event sink {Sink} released by {Owner} at position {Position}", _sink, _owner, _delivery.Acked);
            }
            catch (Exception e)
            {
                _logger.Warning("Event sink {Sink} could not release its lease ({Error}); it moves when the lease expires", _sink, e.GetType().Name);
            }
        }
    }

    private void DisposePlugin()
    {
        try
        {
            switch (_plugin)
            {
                case IAsyncDisposable asyncDisposable:
                    asyncDisposable.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
        catch (Exception e)
        {
            _logger.Warning("Event sink {Sink}: its plugin did not close cleanly ({Error})", _sink, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>The sink is gone for good: answer, and stop (releasing the lease with what was delivered).</summary>
    private void Retire()
    {
        _logger.Info("Event sink {Sink} retired; its consumer stops", _sink);
        Sender.Tell(new SinkRetired(_sink));
        Context.Stop(Self);
    }

    /// <summary>A dynamic sink that no longer exists: commands are answered as for an unknown sink until it stops.</summary>
    private void Gone()
    {
        Receive<RetireSink>(_ => Retire());
        Receive<StopEntity>(_ => Context.Stop(Self));
        Receive<IEventSinkCommand>(_ => Sender.Tell(new AdminFailure(FailureKind.NotFound, "no_such_sink", $"There is no event sink '{_sink}'.")));
        Receive<LogAppended>(_ => { });
    }

    /// <summary>Until the lease is held: status answers <c>starting</c>, commands wait.</summary>
    private void Starting()
    {
        Receive<TryClaim>(_ =>
        {
            var now = _time.GetUtcNow();
            _store.ClaimSinkAsync(_sink, _owner, now, _log.Lease, CancellationToken.None)
                .PipeTo(Self, success: row => new ClaimAnswered(row, now), failure: e => new StoreFailed("claim", e));
        });
        Receive<ClaimAnswered>(c =>
        {
            if (c.Row is null)
            {
                Timers.StartSingleTimer(TryClaim.Instance, TryClaim.Instance, TimeSpan.FromSeconds(1));
                return;
            }

            Claimed(c.Row, c.At);
        });
        Receive<StoreFailed>(f =>
        {
            _logger.Warning("Event sink {Sink}: the event log did not answer the {Operation} ({Error}); trying again", _sink, f.Operation, f.Error.GetType().Name + ": " + f.Error.Message);
            Timers.StartSingleTimer(TryClaim.Instance, TryClaim.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<GetSinkStatus>(_ => Sender.Tell(Status(SinkState.Starting, 0)));
        Receive<KeepSinkRunning>(_ => { });
        Receive<RetireSink>(_ => Retire());
        Receive<IEventSinkCommand>(c => Sender.Tell(new AdminFailure(FailureKind.Unavailable, "sink_starting", $"Event sink '{_sink}' is starting; try again in a few seconds.")));
        Receive<StopEntity>(_ => Context.Stop(Self));
        Receive<LogAppended>(_ => { });
    }

    private void Claimed(SinkCursor row, DateTimeOffset at)
    {
        _committed = row.Position;
        _queuedUpTo = row.Position;
        _head = row.Position;
        _lost = row.Lost;
        _paused = row.Paused;
        _behind = true;
        Volatile.Write(ref _leaseValidUntil, LeaseEnd(at));
        var self = Self;
        _delivery = new SinkDelivery(_plugin!, Math.Max(1, _settings.SinkBufferSize), _settings.PluginTimeout, row.Position, _logger, MayDeliver, () => self.Tell(RoomFreed.Instance), _metrics, _time);
        _delivery.Start(Context.Materializer(), _policy);
        var delivery = _delivery;
        _gauges = new Handles(_metrics.ObserveQueue(() => delivery.Queued), _metrics.ObserveLag(Lag));
        _writer.Tell(new FollowLog(Self));
        Timers.StartPeriodicTimer(CommitTick.Instance, CommitTick.Instance, _log.CommitInterval);
        Timers.StartPeriodicTimer(PollTick.Instance, PollTick.Instance, _log.PollInterval);
        _logger.Info("Event sink {Sink} claimed by {Owner} at position {Position}{Paused}", _sink, _owner, row.Position, row.Paused ? " (paused)" : string.Empty);
        Become(Consuming);
        Self.Tell(PollTick.Instance); // the head now, so the status shows the lag at once
        Fill();
    }

    private bool MayDeliver() => !Volatile.Read(ref _paused) && _time.GetUtcNow().ToUnixTimeMilliseconds() < Volatile.Read(ref _leaseValidUntil);

    /// <summary>
    /// The lease as this node may count on it: from when the claim or commit was asked, less a margin for clock
    /// differences between nodes, so it stops delivering before anyone else may take over.
    /// </summary>
    private long LeaseEnd(DateTimeOffset askedAt) =>
        (askedAt + _log.Lease - TimeSpan.FromTicks(Math.Min(_log.Lease.Ticks / 4, TimeSpan.FromSeconds(2).Ticks))).ToUnixTimeMilliseconds();

    private sealed record TryClaim : INoSerializationVerificationNeeded
    {
        public static readonly TryClaim Instance = new();
    }

    private sealed record ClaimAnswered(SinkCursor? Row, DateTimeOffset At) : INoSerializationVerificationNeeded;

    private sealed record StoreFailed(string Operation, Exception Error) : INoSerializationVerificationNeeded;

    private sealed record RoomFreed : INoSerializationVerificationNeeded
    {
        public static readonly RoomFreed Instance = new();
    }

    private sealed record CommitTick : INoSerializationVerificationNeeded
    {
        public static readonly CommitTick Instance = new();
    }

    private sealed record PollTick : INoSerializationVerificationNeeded
    {
        public static readonly PollTick Instance = new();
    }

    private sealed record Committed(SinkCursor? Row, DateTimeOffset At, long Position) : INoSerializationVerificationNeeded;

    private sealed record HeadRead(long Head) : INoSerializationVerificationNeeded;

    private sealed record PageRead(IReadOnlyList<LoggedEvent> Events, int Limit, bool ForReplay, long HeadAtStart) : INoSerializationVerificationNeeded;

    private sealed record ReplyStatusTo(IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    private sealed record ReplayResolved(long From, long To, IActorRef ReplyTo, AdminFailure? Refused) : INoSerializationVerificationNeeded;

    private sealed class Replay(long from, long to)
    {
        public long From { get; } = from;

        public long To { get; } = to;

        /// <summary>The last position queued for the replay.</summary>
        public long QueuedUpTo { get; set; } = from - 1;

        /// <summary>The position of the last event queued for the replay (0: none yet).</summary>
        public long LastQueued { get; set; }

        /// <summary>The sink's replayed counter when the replay began (its progress is the difference).</summary>
        public long ReplayedBefore { get; init; }

        public bool AllQueued => QueuedUpTo >= To;
    }
}
