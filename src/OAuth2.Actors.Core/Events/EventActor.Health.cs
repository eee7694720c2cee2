using Akka.Event;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events;

/// <summary>The EventActor's views of its sinks: the drain at shutdown and the health report.</summary>
public sealed partial class EventActor
{
    private async Task<EventSinksDrained> Drain(TimeSpan timeout)
    {
        // Batches held for a registration still being confirmed go to the sinks before they are asked to drain.
        _router.Release();
        var log = _log;
        var sinks = _pluginSinks.ToArray();
        var undelivered = new Dictionary<string, long>(StringComparer.Ordinal);
        var replies = sinks.Select(kv => kv.Value.Ask<SinkDrained>(new DrainSink(timeout), timeout + TimeSpan.FromSeconds(2))).ToArray();
        foreach (var (reply, (name, _)) in replies.Zip(sinks))
        {
            try
            {
                var drained = await reply;
                if (drained.Remaining > 0)
                {
                    undelivered[name] = drained.Remaining;
                }
            }
            catch (Exception)
            {
                undelivered[name] = -1; // the sink did not answer: what it held is unknown
            }
        }

        foreach (var (name, count) in undelivered)
        {
            log.Warning("Event sink {Sink} still held {Count} event(s) when the shutdown drain ended after {Timeout}; they are not delivered", name, count < 0 ? "an unknown number of" : count.ToString(System.Globalization.CultureInfo.InvariantCulture), timeout);
        }

        if (undelivered.Count == 0)
        {
            log.Info("Event sinks drained: every held event delivered");
        }

        return new EventSinksDrained(undelivered);
    }

    private async Task<EventHealth> Health()
    {
        var published = _published;
        var filtered = _filtered;
        var names = _pluginSinks.Keys.ToArray();
        var plugins = _pluginSinks.Values.Select(s => s.Ask<SinkHealth>(GetSinkHealth.Instance, TimeSpan.FromSeconds(3))).ToArray();
        var actors = _actorSinks.Select(kv => new SinkHealth(kv.Key, "actor", !kv.Value.IsNobody(), 0, 0, 0, 0)).ToArray();
        var results = new List<SinkHealth>();
        foreach (var (task, name) in plugins.Zip(names))
        {
            try
            {
                results.Add(await task);
            }
            catch (Exception)
            {
                results.Add(new SinkHealth(name, "plugin", false, 0, 0, 0, 0));
            }
        }

        results.AddRange(actors);
        if (_durable is { } durable)
        {
            results.InsertRange(0, await DurableHealth(durable));
        }

        return new EventHealth(true, published, filtered, results);
    }

    /// <summary>
    /// The durable sinks as their consumers (on whichever node) see them: healthy unless failing or not yet started;
    /// <c>buffered</c> is what waits for them in the log.
    /// </summary>
    private static async Task<IEnumerable<SinkHealth>> DurableHealth(DurableSinks durable)
    {
        var asks = durable.Names.Select(name => durable.Region.Ask<SinkStatus>(new GetSinkStatus(name), TimeSpan.FromSeconds(3))).ToArray();
        var results = new List<SinkHealth>(asks.Length);
        foreach (var (ask, name) in asks.Zip(durable.Names))
        {
            try
            {
                var status = await ask;
                results.Add(new SinkHealth(name, "plugin", status.State is SinkState.Active or SinkState.Paused, status.Counters.Delivered, status.Counters.Failed, 0, status.LagEvents, status.PluginCounters));
            }
            catch (Exception)
            {
                results.Add(new SinkHealth(name, "plugin", false, 0, 0, 0, 0));
            }
        }

        return results;
    }
}
