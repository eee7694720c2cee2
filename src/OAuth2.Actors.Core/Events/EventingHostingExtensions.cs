using Akka;
using Akka.Event;
using Akka.Hosting;

namespace OAuth2.Actors.Events;

/// <summary>The Akka.Hosting calls that build and extend the event pipeline.</summary>
public static class EventingHostingExtensions
{
    /// <summary>Starts the EventActor with the built-in plugins the settings name, and registers it.</summary>
    public static AkkaConfigurationBuilder WithEventActor(this AkkaConfigurationBuilder builder, EventSettings settings, TimeProvider time, IEnumerable<IEventPlugin> plugins)
    {
        if (!settings.Enabled)
        {
            return builder;
        }

        var all = plugins.ToArray();
        if (settings.ShutdownDrainTimeout > TimeSpan.Zero)
        {
            // The phase must outlast the drain, or the shutdown cuts it off at the default 5 s.
            var phaseTimeout = (long)(settings.ShutdownDrainTimeout + TimeSpan.FromSeconds(5)).TotalMilliseconds;
            builder.AddHocon($"akka.coordinated-shutdown.phases.before-cluster-shutdown.timeout = {phaseTimeout}ms", HoconAddMode.Prepend);
        }

        return builder.WithActors((system, registry) =>
        {
            var events = system.ActorOf(EventActor.Props(settings, time, all), "events");
            registry.Register<EventActor>(events);
            if (settings.ShutdownDrainTimeout > TimeSpan.Zero)
            {
                // After the HTTP server stopped taking requests and before the cluster and the actor system stop:
                // what the sinks still hold gets delivered (bounded by the drain timeout).
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "drain-event-sinks", async () =>
                {
                    try
                    {
                        await events.Ask<EventSinksDrained>(new DrainEventSinks(settings.ShutdownDrainTimeout), settings.ShutdownDrainTimeout + TimeSpan.FromSeconds(5));
                    }
                    catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                    {
                        system.Log.Warning("The event sinks did not finish draining in time: {0}", e.GetType().Name);
                    }

                    return Done.Instance;
                });
            }
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
