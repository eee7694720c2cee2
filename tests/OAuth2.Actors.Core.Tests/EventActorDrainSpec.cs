namespace OAuth2.Actors.Core.Tests;

/// <summary>The shutdown drain: the event actor waits for its sinks to deliver what they hold, and names what is left.</summary>
public class EventActorDrainSpec(ITestOutputHelper output) : EventActorSpecBase(output)
{
    // ---- shutdown drain -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Drain_must_wait_until_a_busy_plugin_has_delivered_everything_its_sink_held()
    {
        var blocking = new BlockingPlugin("blocking");
        var events = StartEventActor(new EventSettings { PluginTimeout = TimeSpan.FromSeconds(30) }, blocking);
        for (var i = 0; i < 5; i++)
        {
            events.Tell(Envelope(EventType.TokenCreated, id: "held-" + i));
        }

        await HealthWhenAsync(events, h => Sink(h, "blocking") is { Buffered: 5 });
        var drain = events.Ask<EventSinksDrained>(new DrainEventSinks(TimeSpan.FromSeconds(20)), AskTimeout * 5);
        // Nothing to wait for: the drain must still be pending a moment later.
        Assert.NotSame(drain, await Task.WhenAny(drain, Task.Delay(300)));

        blocking.Release();
        var drained = await drain;

        Assert.Empty(drained.Undelivered);
        Assert.Equal(0, drained.Remaining);
        Assert.Equal(5, blocking.Completed);
    }

    [Fact]
    public async Task Drain_must_name_each_sink_still_holding_events_when_its_timeout_passes()
    {
        var blocking = new BlockingPlugin("stuck");
        var recording = new RecordingPlugin("fine");
        var events = StartEventActor(new EventSettings { PluginTimeout = TimeSpan.FromSeconds(30) }, blocking, recording);
        for (var i = 0; i < 4; i++)
        {
            events.Tell(Envelope(EventType.TokenCreated, id: "stuck-" + i));
        }

        await HealthWhenAsync(events, h => Sink(h, "stuck") is { Buffered: 4 } && Sink(h, "fine") is { Delivered: 4 });
        var drained = await events.Ask<EventSinksDrained>(new DrainEventSinks(TimeSpan.FromMilliseconds(300)), AskTimeout);

        Assert.Equal(new Dictionary<string, long> { ["stuck"] = 4 }, drained.Undelivered);
        Assert.Equal(4, drained.Remaining);
        Assert.Equal(4, recording.Received.Count);
        blocking.Release();
    }

    [Fact]
    public async Task Drain_must_answer_at_once_when_no_sink_holds_anything()
    {
        var recording = new RecordingPlugin("idle");
        var events = StartEventActor(new EventSettings(), recording);
        events.Tell(Envelope(EventType.ClientRegistered));
        await HealthWhenAsync(events, h => Sink(h, "idle") is { Delivered: 1 });

        var drained = await events.Ask<EventSinksDrained>(new DrainEventSinks(TimeSpan.FromSeconds(30)), TimeSpan.FromSeconds(2));

        Assert.Empty(drained.Undelivered);
    }
}
