using Akka.Event;

namespace OAuth2.Actors.Events.Log;

/// <summary>
/// Purges the log past retention (<see cref="EventLogSettings.Retention"/>) and ingest idempotency keys past their
/// window, in small batches, off the request path. Every node runs one: two purges at once delete each event once (the
/// store counts what it deleted). The only way events leave the log: it is an audit log, append-only otherwise. Events
/// purged before a sink acknowledged them are added to that sink's <c>lost</c>, and logged here.
/// </summary>
public sealed class EventLogRetention : ReceiveActor, IWithTimers
{
    private readonly IEventLogStore _store;
    private readonly EventSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _running;

    public EventLogRetention(IEventLogStore store, EventSettings settings, TimeProvider time)
    {
        _store = store;
        _settings = settings;
        _time = time;
        Receive<Tick>(_ =>
        {
            if (_running)
            {
                return;
            }

            _running = true;
            Purge().PipeTo(Self, success: r => r, failure: e => new Purged(0, 0, e.GetBaseException().GetType().Name + ": " + e.GetBaseException().Message));
        });
        Receive<Purged>(p =>
        {
            _running = false;
            if (p.Error is not null)
            {
                _log.Warning("Event log retention: the purge failed ({Error}); trying again at the next interval", p.Error);
            }
            else if (p.Events > 0 || p.Keys > 0)
            {
                _log.Info("Event log retention: purged {Events} event(s) older than {Retention} and {Keys} idempotency key(s)", p.Events, _settings.Log.Retention, p.Keys);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IEventLogStore store, EventSettings settings, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new EventLogRetention(store, settings, time));

    protected override void PreStart()
    {
        // Nodes started together do not all purge at the same moment.
        var first = TimeSpan.FromMilliseconds(Random.Shared.Next(5_000, 15_000));
        var interval = _settings.Log.PurgeInterval;
        Timers.StartSingleTimer("first", Tick.Instance, first < interval ? first : interval);
        Timers.StartPeriodicTimer("every", Tick.Instance, interval);
    }

    private async Task<Purged> Purge()
    {
        var batch = _settings.Log.PurgeBatchSize;
        var events = 0;
        while (true)
        {
            var outcome = await _store.PurgeAsync(_time.GetUtcNow() - _settings.Log.Retention, batch, CancellationToken.None);
            events += outcome.Deleted;
            foreach (var (sink, lost) in outcome.LostBySink)
            {
                if (lost > 0)
                {
                    _log.Warning("Event sink {Sink} lost {Count} event(s) to retention: purged after {Retention} before the sink acknowledged them", sink, lost, _settings.Log.Retention);
                }
            }

            if (outcome.MaintenanceError is { } problem)
            {
                _log.Warning("Event log retention: refreshing the database's statistics of the log failed ({Error}); trying again at the next interval", problem);
            }

            if (outcome.Deleted < batch)
            {
                break;
            }

            await Task.Delay(10); // small batches, with room between them for the appends
        }

        var keys = 0;
        while (true)
        {
            var deleted = await _store.PurgeIdempotencyKeysAsync(_time.GetUtcNow() - _settings.DedupWindow, batch, CancellationToken.None);
            keys += deleted;
            if (deleted < batch)
            {
                break;
            }
        }

        return new Purged(events, keys, null);
    }

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Purged(int Events, int Keys, string? Error) : INoSerializationVerificationNeeded;
}
