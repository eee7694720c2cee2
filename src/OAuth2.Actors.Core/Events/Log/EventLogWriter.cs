using Akka.Event;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Events.Log;

/// <summary>
/// Appends this node's events to the durable log, off the request path: events queue here while an append transaction
/// runs, and the next transaction takes everything that queued meanwhile (up to <see cref="EventLogSettings.MaxAppendBatch"/>),
/// at most one transaction per <see cref="EventLogSettings.AppendInterval"/>, so under load one transaction carries many
/// events and when idle an event is appended at once. After each commit it
/// hands the positioned events to this node's sink consumers (the fast path) and answers the ingests it carried.
/// </summary>
/// <remarks>
/// What a <c>kill -9</c> can lose is what is queued here and in the transaction in flight: about two append durations
/// plus the append interval (docs/event-log.md states the measured window). While the database does not answer, events are held (up to
/// <see cref="EventLogSettings.MaxPending"/>) and appended in order when it is back.
/// </remarks>
public sealed class EventLogWriter : ReceiveActor, IWithTimers
{
    private readonly IEventLogStore _store;
    private readonly EventSettings _settings;
    private readonly IReadOnlyCollection<string> _sinks;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<Pending> _pending = new();
    private readonly HashSet<IActorRef> _consumers = [];
    private readonly List<(IActorRef ReplyTo, DateTimeOffset Deadline)> _flushWaiters = [];
    private bool _ready;
    private bool _appending;
    private long _lastAppendStarted;
    private long _appended;
    private readonly SinkMetrics[] _sinkMetrics;
    private long _dropped;
    private long _head;
    private string? _lastError;
    private int _failures;

    /// <param name="sinks">The durable sinks: each gets a cursor row at the head before this node appends anything.</param>
    public EventLogWriter(IEventLogStore store, EventSettings settings, IReadOnlyCollection<string> sinks, TimeProvider time)
    {
        _store = store;
        _settings = settings;
        _sinks = sinks;
        _time = time;
        var metrics = Context.System.Metrics();
        _sinkMetrics = sinks.Select(metrics.ForSink).ToArray();

        Receive<EventBatch>(batch =>
        {
            foreach (var envelope in batch.Events)
            {
                Add(new Pending(new LogAppend(envelope), null));
            }

            AppendNext();
        });
        Receive<AppendIngested>(ingest =>
        {
            Add(new Pending(new LogAppend(ingest.Envelope, ingest.Envelope.EffectiveIdempotencyKey), Sender, ingest.ReplyTo));
            AppendNext();
        });
        Receive<Initialized>(i =>
        {
            _ready = true;
            _head = i.Head;
            _failures = 0;
            _lastError = null;
            _log.Info("Event log ready at position {Head}", i.Head);
            AppendNext();
        });
        Receive<IntervalElapsed>(_ => AppendNext(intervalElapsed: true));
        Receive<Appended>(Committed);
        Receive<AppendFailed>(Failed);
        Receive<Retry>(_ =>
        {
            if (_ready)
            {
                _appending = false;
                AppendNext();
            }
            else
            {
                Initialize();
            }
        });
        Receive<FollowLog>(f =>
        {
            _consumers.Add(f.Consumer);
            Context.Watch(f.Consumer);
        });
        Receive<Terminated>(t => _consumers.Remove(t.ActorRef));
        Receive<FlushEventLog>(f =>
        {
            if (_pending.Count == 0 && !_appending)
            {
                Sender.Tell(new EventLogFlushed(0));
                return;
            }

            _flushWaiters.Add((Sender, _time.GetUtcNow() + f.Timeout));
            Timers.StartSingleTimer(f, new FlushDeadline(), f.Timeout);
        });
        Receive<FlushDeadline>(_ => AnswerFlushWaiters(force: true));
        Receive<GetEventLogHealth>(_ => Sender.Tell(new EventLogHealth(_appended, _pending.Count, _dropped, _head, _lastError)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IEventLogStore store, EventSettings settings, IReadOnlyCollection<string> sinks, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new EventLogWriter(store, settings, sinks, time));

    protected override void PreStart() => Initialize();

    private void Initialize()
    {
        _store.InitializeAsync(CancellationToken.None)
            .ContinueWith(_ => _store.EnsureSinksAsync(_sinks, CancellationToken.None), TaskScheduler.Default).Unwrap()
            .ContinueWith(_ => _store.HeadAsync(CancellationToken.None), TaskScheduler.Default).Unwrap()
            .PipeTo(Self, success: head => new Initialized(head), failure: e => new AppendFailed([], e));
    }

    private void Add(Pending pending)
    {
        if (_pending.Count >= _settings.Log.MaxPending)
        {
            // The database has been unreachable long enough to fill the bound: the one place events are lost (to every
            // durable sink: counted for each configured one).
            foreach (var sink in _sinkMetrics)
            {
                sink.Dropped(1, DropReasons.LogUnavailable);
            }

            if (_dropped++ % 10_000 == 0)
            {
                _log.Error("The event log holds {Count} events the database has not taken ({Error}); dropping new events ({Dropped} so far)", _pending.Count, _lastError, _dropped);
            }

            // An ingest dropped here is not answered: its producer times out (503) and sends it again later.
            return;
        }

        _pending.AddLast(pending);
    }

    private void AppendNext(bool intervalElapsed = false)
    {
        if (!_ready || _appending || _pending.Count == 0)
        {
            return;
        }

        if (!intervalElapsed && _pending.Count < _settings.Log.MaxAppendBatch)
        {
            // The timer, not the clock, ends the wait (a test's clock may stand still).
            var since = _time.GetElapsedTime(_lastAppendStarted);
            if (Timers.IsTimerActive(IntervalElapsed.Instance) || since < _settings.Log.AppendInterval)
            {
                if (!Timers.IsTimerActive(IntervalElapsed.Instance))
                {
                    Timers.StartSingleTimer(IntervalElapsed.Instance, IntervalElapsed.Instance, _settings.Log.AppendInterval - since);
                }

                return;
            }
        }

        Timers.Cancel(IntervalElapsed.Instance);

        _lastAppendStarted = _time.GetTimestamp();
        var count = Math.Min(_pending.Count, _settings.Log.MaxAppendBatch);
        var batch = new Pending[count];
        for (var i = 0; i < count; i++)
        {
            batch[i] = _pending.First!.Value;
            _pending.RemoveFirst();
        }

        _appending = true;
        var items = new LogAppend[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = batch[i].Item;
        }

        var now = _time.GetUtcNow();
        _store.AppendAsync(items, now, _settings.DedupWindow, CancellationToken.None)
            .PipeTo(Self, success: outcomes => new Appended(batch, outcomes, now), failure: e => new AppendFailed(batch, e));
    }

    private void Committed(Appended appended)
    {
        _appending = false;
        _failures = 0;
        _lastError = null;
        var logged = new List<LoggedEvent>(appended.Batch.Length);
        for (var i = 0; i < appended.Batch.Length; i++)
        {
            var outcome = appended.Outcomes[i];
            if (outcome.Appended)
            {
                logged.Add(new LoggedEvent(outcome.Position, appended.At, appended.Batch[i].Item.Envelope));
                _head = Math.Max(_head, outcome.Position);
            }
        }

        _appended += logged.Count;
        if (logged.Count > 0 && _consumers.Count > 0)
        {
            var message = new LogAppended(logged);
            foreach (var consumer in _consumers)
            {
                consumer.Tell(message, ActorRefs.NoSender);
            }
        }

        // The consumers first: by the time a producer hears "accepted", this node's sinks have the event.
        for (var i = 0; i < appended.Batch.Length; i++)
        {
            var pending = appended.Batch[i];
            pending.Reply?.Tell(new IngestAppended(pending.Item.Envelope, appended.Outcomes[i], pending.ReplyTo!), ActorRefs.NoSender);
        }

        AppendNext();
        AnswerFlushWaiters(force: false);
    }

    private void Failed(AppendFailed failed)
    {
        // Back at the front, in order: appended when the database answers again.
        for (var i = failed.Batch.Length - 1; i >= 0; i--)
        {
            _pending.AddFirst(failed.Batch[i]);
        }

        _lastError = failed.Error.GetType().Name + ": " + failed.Error.Message;
        var backoff = TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * Math.Pow(2, Math.Min(_failures, 6))));
        if (_failures++ % 10 == 0)
        {
            _log.Warning("The event log could not {Operation} ({Error}); holding {Count} event(s), trying again in {Backoff}", _ready ? "append" : "start", _lastError, _pending.Count, backoff);
        }

        Timers.StartSingleTimer(Retry.Instance, Retry.Instance, backoff);
    }

    private void AnswerFlushWaiters(bool force)
    {
        if (_flushWaiters.Count == 0)
        {
            return;
        }

        var remaining = _pending.Count + (_appending ? 1 : 0);
        var now = _time.GetUtcNow();
        for (var i = _flushWaiters.Count - 1; i >= 0; i--)
        {
            var (replyTo, deadline) = _flushWaiters[i];
            if (remaining == 0 || force || now >= deadline)
            {
                replyTo.Tell(new EventLogFlushed(_pending.Count));
                _flushWaiters.RemoveAt(i);
            }
        }
    }

    /// <summary>An event waiting to be appended; for an ingest, who is told where it went (the EventActor) and whom it answers.</summary>
    private sealed record Pending(LogAppend Item, IActorRef? Reply, IActorRef? ReplyTo = null);

    private sealed record Initialized(long Head) : INoSerializationVerificationNeeded;

    private sealed record Appended(Pending[] Batch, IReadOnlyList<AppendOutcome> Outcomes, DateTimeOffset At) : INoSerializationVerificationNeeded;

    private sealed record AppendFailed(Pending[] Batch, Exception Error) : INoSerializationVerificationNeeded;

    private sealed record FlushDeadline : INoSerializationVerificationNeeded;

    private sealed record Retry : INoSerializationVerificationNeeded
    {
        public static readonly Retry Instance = new();
    }

    private sealed record IntervalElapsed : INoSerializationVerificationNeeded
    {
        public static readonly IntervalElapsed Instance = new();
    }
}
