using Akka.Event;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events;

/// <summary>
/// Receives every envelope, applies the filter, and broadcasts what passes through a router to one sink actor
/// per plugin (and to any sink actor a user registers). Also the home of ingest deduplication and of the
/// pipeline's health and query views.
/// </summary>
/// <remarks>
/// With the durable log (<see cref="EventLogWriter"/>), everything that passes the filter goes to the log, and the
/// plugins it started with are durable sinks consumed from the log by their <see cref="EventSinkConsumer"/>s; the
/// router then carries only what is registered at run time (user sink actors and plugins), live. Without it (the
/// actor specs), the plugins it started with are live sinks of the router as well.
/// </remarks>
public sealed partial class EventActor : ReceiveActor
{
    private readonly EventSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IdempotencyWindow _seen;
    private readonly Dictionary<string, IActorRef> _pluginSinks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _actorSinks = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, IActorRef> _relays = new();
    private readonly IEventPlugin[] _initialPlugins;
    private readonly IActorRef? _writer;
    private readonly IEventLogStore? _store;
    private readonly OAuth2Metrics _metrics = Context.System.Metrics();
    private DurableSinks? _durable;
    private LiveSinkRouter _router = null!;
    private long _sinkNumber;
    private long _published;
    private long _filtered;

    public EventActor(EventSettings settings, TimeProvider time, IEnumerable<IEventPlugin> plugins, IActorRef? writer = null, IEventLogStore? store = null)
    {
        _writer = writer;
        _store = store;
        _settings = settings;
        _time = time;
        _seen = new IdempotencyWindow(settings.DedupWindow, settings.DedupCapacity);
        _initialPlugins = plugins.ToArray();

        Receive<EventBatch>(Route);
        Receive<EventEnvelope>(e => Route(new EventBatch([e])));
        Receive<RegisterEventPlugin>(RegisterPlugin);
        Receive<RegisterEventSink>(RegisterSink);
        Receive<UnregisterEventSink>(u =>
        {
            var replyTo = Sender;
            var unregistered = new EventSinkUnregistered(u.Name);
            if (_actorSinks.Remove(u.Name, out var sink))
            {
                Context.Unwatch(sink);
                DropRelay(sink, replyTo, unregistered);
            }
            else if (_pluginSinks.Remove(u.Name, out sink))
            {
                // A plugin's sink actor is ours: stop it (its stream drains no further).
                _router.Remove(sink, replyTo, unregistered);
                Context.Stop(sink);
            }
            else
            {
                replyTo.Tell(unregistered);
            }
        });
        Receive<Terminated>(t => DropSink(t.ActorRef));
        Receive<IngestEvent>(Ingest);
        Receive<IngestAppended>(Ingested);
        Receive<DurableSinks>(d => _durable = d);
        Receive<QueryEventLog>(q => AskStore(async store => (object)await store.QueryAsync(q.Query, CancellationToken.None)));
        Receive<FindLoggedEvent>(f => AskStore(async store => new LoggedEventFound(await store.FindAsync(f.EventId, CancellationToken.None))));
        Receive<GetEventLogHealth>(h =>
        {
            if (_writer is null)
            {
                Sender.Tell(EventLogUnavailable.Instance);
            }
            else
            {
                _writer.Forward(h);
            }
        });
        Receive<QueryEvents>(q =>
        {
            if (_pluginSinks.TryGetValue(EventBackends.InMemory, out var store))
            {
                store.Forward(q);
            }
            else
            {
                Sender.Tell(new EventsFound([]));
            }
        });
        Receive<RouteeAdded>(a =>
        {
            _router.Confirmed(a.Addition);
            a.ReplyTo.Tell(new EventSinkRegistered(a.Name));
        });
        Receive<GetEventHealth>(_ => Health().PipeTo(Sender));
        Receive<DrainEventSinks>(d => Drain(d.Timeout).PipeTo(Sender));
    }

    public static Props Props(EventSettings settings, TimeProvider time, IEnumerable<IEventPlugin> plugins) =>
        Akka.Actor.Props.Create(() => new EventActor(settings, time, plugins.ToArray(), null, null));

    /// <summary>With the durable log: <paramref name="plugins"/> are consumed from the log, not routed live.</summary>
    public static Props Props(EventSettings settings, TimeProvider time, IActorRef writer, IEventLogStore store) =>
        Akka.Actor.Props.Create(() => new EventActor(settings, time, Array.Empty<IEventPlugin>(), writer, store));

    /// <summary>The router has the sink registered as <paramref name="Name"/>; the registration is answered.</summary>
    private sealed record RouteeAdded(long Addition, string Name, IActorRef ReplyTo);

    protected override void PreStart()
    {
        // The plugins the actor starts with are routees from the first message on: no event can miss them.
        var initial = new List<string>();
        foreach (var plugin in _initialPlugins)
        {
            if (_pluginSinks.ContainsKey(plugin.Name))
            {
                _log.Warning("An event sink named {Sink} is already registered; ignoring the second one", plugin.Name);
                continue;
            }

            var sink = StartPluginSink(plugin);
            initial.Add(sink.Path.ToStringWithoutAddress());
        }

        _router = LiveSinkRouter.Start(Context, initial, "sinks");
    }

    private IActorRef StartPluginSink(IEventPlugin plugin)
    {
        // Unique child names, so a plugin can be registered again under the same name after it was unregistered.
        var sink = Context.ActorOf(
            PluginSinkActor.Props(plugin, _settings.SinkBufferSize, _settings.PluginTimeout, _time),
            $"plugin-{Uri.EscapeDataString(plugin.Name)}-{++_sinkNumber}");
        _pluginSinks[plugin.Name] = sink;
        _log.Info("Event sink {Sink} started", plugin.Name);
        return sink;
    }

    private void Route(EventBatch batch)
    {
        foreach (var envelope in batch.Events)
        {
            Emitted(envelope);
        }

        var allowed = batch;
        var filter = _settings.Filter;
        foreach (var envelope in batch.Events)
        {
            if (!filter.Allows(envelope.Event.EventType))
            {
                // Rare (a filter is set and this batch meets it): build the batch of those that pass.
                var passing = batch.Events.Where(e => filter.Allows(e.Event.EventType)).ToArray();
                _filtered += batch.Events.Count - passing.Length;
                allowed = passing.Length == 0 ? null : new EventBatch(passing);
                break;
            }
        }

        if (allowed is not null)
        {
            _published += allowed.Events.Count;
            _writer?.Tell(allowed, ActorRefs.NoSender);
            _router.Route(allowed);
        }
    }

    private void Emitted(EventEnvelope envelope) => _metrics.EventEmitted(EventTypeNames.Name(envelope.Event.EventType));

    private void RegisterPlugin(RegisterEventPlugin register)
    {
        var name = register.Plugin.Name;
        if (_pluginSinks.ContainsKey(name) || _actorSinks.ContainsKey(name))
        {
            _log.Warning("An event sink named {Sink} is already registered; ignoring the second one", name);
            Sender.Tell(new EventSinkRejected(name, "A sink with this name is already registered."));
            return;
        }

        AddRoutee(StartPluginSink(register.Plugin), name);
    }

    private void RegisterSink(RegisterEventSink register)
    {
        if (_pluginSinks.ContainsKey(register.Name) || _actorSinks.ContainsKey(register.Name))
        {
            _log.Warning("An event sink named {Sink} is already registered; ignoring the second one", register.Name);
            Sender.Tell(new EventSinkRejected(register.Name, "A sink with this name is already registered."));
            return;
        }

        // The router carries batches; the relay hands the user's actor one EventEnvelope at a time, as documented. A sink
        // that takes batches is the router's routee itself (its own "relay").
        var relay = register.Batches
            ? register.Sink
            : Context.ActorOf(EventSinkRelay.Props(register.Sink), $"relay-{Uri.EscapeDataString(register.Name)}-{++_sinkNumber}");
        _actorSinks[register.Name] = register.Sink;
        _relays[register.Sink] = relay;
        Context.Watch(register.Sink);
        AddRoutee(relay, register.Name);
    }

    private void AddRoutee(IActorRef sink, string name)
    {
        // Events routed from now on reach the new sink (held until the router has it); the registration is answered then.
        var replyTo = Sender;
        _router.Add(sink, Self, addition => new RouteeAdded(addition, name, replyTo));
        _log.Info("Event sink {Sink} registered", name);
    }

    private void DropSink(IActorRef sink)
    {
        foreach (var name in _actorSinks.Where(kv => kv.Value.Equals(sink)).Select(kv => kv.Key).ToArray())
        {
            _actorSinks.Remove(name);
            _log.Info("Event sink {Sink} stopped; removed from the router", name);
        }

        DropRelay(sink);
    }

    private void DropRelay(IActorRef sink, IActorRef? replyTo = null, object? removed = null)
    {
        if (_relays.Remove(sink, out var relay))
        {
            _router.Remove(relay, replyTo, removed);
            if (!relay.Equals(sink))
            {
                Context.Stop(relay);
            }
        }
        else if (replyTo is not null && removed is not null)
        {
            replyTo.Tell(removed);
        }
    }

    private void Ingest(IngestEvent ingest)
    {
        var (envelope, problem) = EnvelopeValidator.Validate(ingest.Envelope, ingest.IdempotencyKeyHeader, ingest.CorrelationId, _time.GetUtcNow(), _settings.Producer, ingest.CallerClientId);
        if (envelope is null)
        {
            Sender.Tell(new IngestRejected(problem!));
            return;
        }

        if (_writer is not null)
        {
            // Deduplicated by the log, durably and cluster-wide, in the transaction that appends it (filtered types too:
            // the producer is answered the same way whether or not the filter lets the event through).
            if (_settings.Filter.Allows(envelope.Event.EventType))
            {
                _writer.Tell(new AppendIngested(envelope, Sender));
            }
            else
            {
                _filtered++;
                Emitted(envelope);
                Sender.Tell(new IngestAccepted(envelope.EffectiveIdempotencyKey, envelope.Event.Id));
            }

            return;
        }

        var key = envelope.EffectiveIdempotencyKey;
        if (!_seen.TryRemember(key, _time.GetUtcNow()))
        {
            Sender.Tell(new IngestDuplicate(key, envelope.Event.Id));
            return;
        }

        Route(new EventBatch([envelope]));
        Sender.Tell(new IngestAccepted(key, envelope.Event.Id));
    }

    /// <summary>An ingested event the log took (routed to the live sinks, once) or recognised as a duplicate.</summary>
    private void Ingested(IngestAppended ingested)
    {
        var key = ingested.Envelope.EffectiveIdempotencyKey;
        if (ingested.Outcome.DuplicateOf is { } original)
        {
            ingested.ReplyTo.Tell(new IngestDuplicate(key, original));
            return;
        }

        _published++;
        Emitted(ingested.Envelope);
        _router.Route(new EventBatch([ingested.Envelope]));
        ingested.ReplyTo.Tell(new IngestAccepted(key, ingested.Envelope.Event.Id));
    }

    /// <summary>A read of the log, answered from the store off this actor's mailbox; a failure is logged and answered as unavailable.</summary>
    private void AskStore(Func<IEventLogStore, Task<object>> read)
    {
        var replyTo = Sender;
        if (_store is null)
        {
            replyTo.Tell(EventLogUnavailable.Instance);
            return;
        }

        var log = _log;
        read(_store).ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    replyTo.Tell(t.Result);
                    return;
                }

                log.Warning("The event log did not answer a query: {0}", t.Exception?.GetBaseException().Message);
                replyTo.Tell(EventLogUnavailable.Instance);
            },
            TaskScheduler.Default);
    }
}
