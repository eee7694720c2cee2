using Akka;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events;

/// <summary>The Akka.Hosting calls that build and extend the event pipeline.</summary>
public static class EventingHostingExtensions
{
    /// <summary>
    /// Starts the event pipeline over the durable log in <paramref name="store"/>: this node's log writer, the EventActor,
    /// the <c>event-sinks</c> region with one consumer entity per plugin in <paramref name="plugins"/> (durable sinks), the
    /// keeper that keeps them running somewhere in the cluster, and the retention purge. <paramref name="dynamicSinks"/>
    /// name durable sinks that come and go at runtime (webhook endpoints), consumed in the same region.
    /// </summary>
    public static AkkaConfigurationBuilder WithEventActor(
        this AkkaConfigurationBuilder builder, EventSettings settings, TimeProvider time, IEnumerable<IEventPlugin> plugins, IEventLogStore store, IEnumerable<IDynamicEventSinks>? dynamicSinks = null)
    {
        if (!settings.Enabled)
        {
            return builder;
        }

        var durable = new Dictionary<string, IEventPlugin>(StringComparer.Ordinal);
        foreach (var plugin in plugins)
        {
            durable.TryAdd(plugin.Name, plugin);
        }

        var names = durable.Keys.ToArray();
        var sources = dynamicSinks?.ToArray() ?? [];
        AddDrainPhaseTimeout(builder, settings);
        return builder
            .WithActors((system, registry) =>
            {
                var writer = system.ActorOf(EventLogWriter.Props(store, settings, names, time), "event-log");
                registry.Register<EventLogWriter>(writer);
                var events = system.ActorOf(EventActor.Props(settings, time, writer, store), "events");
                registry.Register<EventActor>(events);
                registry.Register<EventStreamHub>(system.ActorOf(EventStreamHub.Props(events), EventStreamHub.SinkName));
                system.ActorOf(EventLogRetention.Props(store, settings, time), "event-log-retention");
                AddShutdownDrain(system, settings, events, writer);
            })
            .WithShardRegion<EventSinkConsumer>(
                "event-sinks",
                (_, registry) => name => durable.TryGetValue(name, out var plugin) || sources.FirstOrDefault(s => s.Owns(name)) is not { } source
                    ? EventSinkConsumer.Props(name, plugin, store, settings, registry.Get<EventLogWriter>(), time)
                    : EventSinkConsumer.Props(name, source, store, settings, registry.Get<EventLogWriter>(), time),
                new KeyedMessageExtractor<IEventSinkCommand>(c => c.Sink, 10),
                // Never passivated (a consumer is busy when nothing asks it anything); a hand-off stops it the way it stops.
                new ShardOptions { HandOffStopMessage = StopEntity.Instance, ShouldPassivateIdleEntities = false })
            .WithActors((system, registry) =>
            {
                var region = registry.Get<EventSinkConsumer>();
                system.ActorOf(EventSinkKeeper.Props(region, names, sources, settings.Log.KeepAliveInterval), "event-sink-keeper");
                registry.Get<EventActor>().Tell(new DurableSinks(region, names));
            });
    }

    /// <summary>Starts the EventActor without a log (its plugins are live sinks of its router), and registers it: for tests of the pipeline alone.</summary>
    public static AkkaConfigurationBuilder WithEventActor(this AkkaConfigurationBuilder builder, EventSettings settings, TimeProvider time, IEnumerable<IEventPlugin> plugins)
    {
        if (!settings.Enabled)
        {
            return builder;
        }

        var all = plugins.ToArray();
        AddDrainPhaseTimeout(builder, settings);
        return builder.WithActors((system, registry) =>
        {
            var events = system.ActorOf(EventActor.Props(settings, time, all), "events");
            registry.Register<EventActor>(events);
            registry.Register<EventStreamHub>(system.ActorOf(EventStreamHub.Props(events), EventStreamHub.SinkName));
            AddShutdownDrain(system, settings, events, null);
        });
    }

    private static void AddDrainPhaseTimeout(AkkaConfigurationBuilder builder, EventSettings settings)
    {
        if (settings.ShutdownDrainTimeout > TimeSpan.Zero)
        {
            // The phase must outlast the drain, or the shutdown cuts it off at the default 5 s.
            var phaseTimeout = (long)(settings.ShutdownDrainTimeout + TimeSpan.FromSeconds(5)).TotalMilliseconds;
            builder.AddHocon($"akka.coordinated-shutdown.phases.before-cluster-shutdown.timeout = {phaseTimeout}ms", HoconAddMode.Prepend);
        }
    }

    /// <summary>
    /// After the HTTP server stopped taking requests and before the cluster and the actor system stop: what the log
    /// writer holds is appended (everything emitted before the shutdown is in the log), then what the live sinks still
    /// hold is delivered, both bounded by the drain timeout. The durable sinks' consumers then stop with the sharding
    /// hand-off, committing what they delivered; the rest waits in the log for the next consumer.
    /// </summary>
    private static void AddShutdownDrain(ActorSystem system, EventSettings settings, IActorRef events, IActorRef? writer)
    {
        if (settings.ShutdownDrainTimeout <= TimeSpan.Zero)
        {
            return;
        }

        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "drain-event-sinks", async () =>
        {
            try
            {
                if (writer is not null)
                {
                    var flushed = await writer.Ask<EventLogFlushed>(new FlushEventLog(settings.ShutdownDrainTimeout), settings.ShutdownDrainTimeout + TimeSpan.FromSeconds(2));
                    if (flushed.Remaining > 0)
                    {
                        system.Log.Warning("The event log still held {0} event(s) the database had not taken when the shutdown drain ended", flushed.Remaining);
                    }
                }

                await events.Ask<EventSinksDrained>(new DrainEventSinks(settings.ShutdownDrainTimeout), settings.ShutdownDrainTimeout + TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                system.Log.Warning("The event sinks did not finish draining in time: {0}", e.GetType().Name);
            }

            return Done.Instance;
        });
    }

    /// <summary>Wraps <paramref name="plugin"/> in its own sink actor (bounded stream, counters) behind the router.</summary>
    public static AkkaConfigurationBuilder WithEventPlugin(this AkkaConfigurationBuilder builder, IEventPlugin plugin) =>
        builder.AddStartup((system, registry) =>
        {
            if (registry.TryGet<EventActor>(out var events))
            {
                events.Tell(new RegisterEventPlugin(plugin));
            }
            else
            {
                system.Log.Warning("Event plugin {0} not registered: eventing is disabled", plugin.Name);
            }
        });

    /// <summary>Starts a user's own sink actor and adds it to the broadcast router; it receives every <see cref="EventEnvelope"/> that passes the filter.</summary>
    public static AkkaConfigurationBuilder WithEventSinkActor(this AkkaConfigurationBuilder builder, string name, Props props) =>
        builder.AddStartup((system, registry) =>
        {
            if (registry.TryGet<EventActor>(out var events))
            {
                events.Tell(new RegisterEventSink(name, system.ActorOf(props, "event-sink-" + Uri.EscapeDataString(name))));
            }
            else
            {
                system.Log.Warning("Event sink actor {0} not started: eventing is disabled", name);
            }
        });

    /// <summary>The publisher the OAuth2 actors use: a no-op when eventing is disabled.</summary>
    public static EventPublisher EventPublisher(this IActorRegistry registry, TimeProvider time, EventSettings settings) =>
        settings.Enabled && registry.TryGet<EventActor>(out var events)
            ? new EventPublisher(events, time, settings.Producer)
            : Events.EventPublisher.None;
}
