namespace OAuth2.Actors.Core.Tests;

/// <summary>Sinks and plugins registered and unregistered while the event actor runs.</summary>
public class EventActorRuntimeSinkSpec(ITestOutputHelper output) : EventActorSpecBase(output)
{
    // ---- runtime sinks ------------------------------------------------------------------------------------------

    [Fact]
    public async Task EventActor_must_deliver_to_a_sink_actor_registered_at_runtime_and_forget_it_when_it_stops()
    {
        var events = StartEventActor();
        var other = await SinkProbeAsync(events, "other");
        events.Tell(Envelope(EventType.TokenCreated, id: "before"));
        Assert.Equal("before", (await other.ExpectMsgAsync<EventEnvelope>()).Event.Id);

        var custom = await SinkProbeAsync(events, "custom");
        events.Tell(Envelope(EventType.TokenCreated, id: "during"));
        Assert.Equal("during", (await custom.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        Assert.Equal("during", (await other.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        Assert.Contains((await HealthAsync(events)).Sinks, s => s is { Name: "custom", Kind: "actor", Healthy: true });

        custom.Ref.Tell(PoisonPill.Instance);

        var health = await HealthWhenAsync(events, h => Sink(h, "custom") is null);
        Assert.Null(Sink(health, "custom"));
        Assert.NotNull(Sink(health, "other"));

        events.Tell(Envelope(EventType.TokenRevoked, id: "after"));
        Assert.Equal("after", (await other.ExpectMsgAsync<EventEnvelope>()).Event.Id);

        // The name is free again.
        var successor = await SinkProbeAsync(events, "custom");
        events.Tell(Envelope(EventType.TokenRevoked, id: "successor"));
        Assert.Equal("successor", (await successor.ExpectMsgAsync<EventEnvelope>()).Event.Id);
    }

    [Fact]
    public async Task EventActor_must_hand_a_sink_registered_for_batches_the_batches_and_not_stop_it_when_it_is_unregistered()
    {
        var events = StartEventActor();
        var sink = CreateTestProbe();
        Assert.Equal("batches", (await events.Ask<EventSinkRegistered>(new RegisterEventSink("batches", sink.Ref, Batches: true), AskTimeout)).Name);

        events.Tell(new EventBatch([Envelope(EventType.TokenCreated, id: "a"), Envelope(EventType.TokenRevoked, id: "b")]));
        events.Tell(Envelope(EventType.TokenCreated, id: "c"));

        Assert.Equal(["a", "b"], (await sink.ExpectMsgAsync<EventBatch>()).Events.Select(e => e.Event.Id));
        Assert.Equal(["c"], (await sink.ExpectMsgAsync<EventBatch>()).Events.Select(e => e.Event.Id));
        Assert.Contains((await HealthAsync(events)).Sinks, s => s is { Name: "batches", Kind: "actor", Healthy: true });

        // The sink is the user's: unregistering takes it out of the router and leaves it running.
        Assert.Equal("batches", (await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("batches"), AskTimeout)).Name);
        sink.Watch(sink.Ref);
        events.Tell(Envelope(EventType.TokenCreated, id: "after"));
        await sink.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        sink.Ref.Tell("still here");
        Assert.Equal("still here", await sink.ExpectMsgAsync<string>());
    }

    [Fact]
    public async Task EventActor_must_deliver_every_event_sent_after_a_registration_even_before_the_registration_is_answered()
    {
        // The router takes a new routee when its own actor gets to it, while batches are routed at once: events the
        // event actor handles after the registration must not slip through in between.
        for (var round = 0; round < 20; round++)
        {
            var events = StartEventActor();
            var sink = CreateTestProbe();
            var registering = events.Ask<EventSinkRegistered>(new RegisterEventSink("late", sink.Ref), AskTimeout);
            for (var i = 0; i < 50; i++)
            {
                events.Tell(Envelope(EventType.TokenCreated, id: $"e{i}"));
            }

            for (var i = 0; i < 50; i++)
            {
                Assert.Equal($"e{i}", (await sink.ExpectMsgAsync<EventEnvelope>()).Event.Id);
            }

            Assert.Equal("late", (await registering).Name);
            Sys.Stop(events);
        }
    }

    [Fact]
    public async Task EventActor_must_deliver_to_a_sink_registered_after_the_only_one_was_unregistered()
    {
        // Akka's routers stop themselves when their last routee goes; the event actor's must not (with the durable
        // log it carries only the sinks registered at run time, and starts with none).
        var events = StartEventActor();
        var first = await SinkProbeAsync(events, "first");
        Assert.Equal("first", (await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("first"), AskTimeout)).Name);

        var second = await SinkProbeAsync(events, "second");
        events.Tell(Envelope(EventType.TokenCreated, id: "after"));

        Assert.Equal("after", (await second.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        await first.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task EventActor_must_stop_delivering_to_an_unregistered_sink()
    {
        var events = StartEventActor();
        var leaving = await SinkProbeAsync(events, "leaving");
        var staying = await SinkProbeAsync(events, "staying");

        var unregistered = await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("leaving"), AskTimeout);
        Assert.Equal("leaving", unregistered.Name);

        // Routee removal is asynchronous in the router; later events must not reach the sink.
        var health = await HealthAsync(events);
        Assert.Null(Sink(health, "leaving"));
        await UntilRemovedFromRouterAsync(events, staying, leaving);
        events.Tell(Envelope(EventType.TokenCreated, id: "after"));
        Assert.Equal("after", (await staying.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        await leaving.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task EventActor_must_answer_unregistering_an_unknown_sink()
    {
        var events = StartEventActor();

        var unregistered = await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("nobody"), AskTimeout);

        Assert.Equal("nobody", unregistered.Name);
    }

    [Fact]
    public async Task EventActor_must_stop_delivering_to_an_unregistered_plugin()
    {
        var events = StartEventActor();
        var plugin = new RecordingPlugin("recording");
        var witness = new RecordingPlugin("witness");
        var probe = CreateTestProbe();
        var canary = CreateTestProbe();
        await RegisterPluginAsync(events, plugin);
        await RegisterPluginAsync(events, witness);
        await RegisterSinkAsync(events, "probe", probe.Ref);
        await RegisterSinkAsync(events, "canary", canary.Ref);
        events.Tell(Envelope(EventType.TokenCreated, id: "before"));
        await probe.ExpectMsgAsync<EventEnvelope>();
        await canary.ExpectMsgAsync<EventEnvelope>();
        await Eventually(() => Task.FromResult(plugin.Received.Count), c => c == 1);

        await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("recording"), AskTimeout);
        // The router removes routees in order: once the canary (unregistered after the plugin) is gone, so is the plugin.
        await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("canary"), AskTimeout);
        await UntilRemovedFromRouterAsync(events, probe, canary);
        events.Tell(Envelope(EventType.TokenCreated, id: "after"));
        await probe.ExpectMsgAsync<EventEnvelope>();
        // A plugin still registered has had "after" by now: the witness has.
        await Eventually(() => Task.FromResult(witness.Received.Select(e => e.Event.Id).ToArray()), ids => ids.Contains("after"));

        // Markers sent while the removal was under way may have reached it; "after" must not have.
        Assert.Equal(["before"], plugin.Received.Select(e => e.Event.Id).Where(id => !id.StartsWith("marker-", StringComparison.Ordinal)));
        Assert.Null(Sink(await HealthAsync(events), "recording"));
    }

    [Fact]
    public async Task EventActor_must_accept_a_plugin_registered_again_after_it_was_unregistered()
    {
        var (events, probe) = await StartWithProbeAsync();
        await RegisterPluginAsync(events, new RecordingPlugin("recording"));
        await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("recording"), AskTimeout);

        var again = new RecordingPlugin("recording");
        await RegisterPluginAsync(events, again);
        events.Tell(Envelope(EventType.TokenCreated, id: "e1"));

        await Eventually(() => Task.FromResult(again.Received.Count), c => c == 1);
        Assert.Equal(["e1"], again.Received.Select(e => e.Event.Id));
        // The runtime sink registered before is still there (the EventActor did not restart).
        Assert.Equal("e1", (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
    }

    [Fact]
    public async Task EventActor_must_keep_the_first_sink_when_a_name_is_registered_twice()
    {
        var events = StartEventActor();
        var first = await SinkProbeAsync(events, "same");
        var second = CreateTestProbe();
        var refused = await events.Ask<EventSinkRejected>(new RegisterEventSink("same", second.Ref), TimeSpan.FromSeconds(5));
        Assert.Equal("same", refused.Name);

        events.Tell(Envelope(EventType.TokenCreated, id: "e1"));

        Assert.Equal("e1", (await first.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        await second.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Single((await HealthAsync(events)).Sinks, s => s.Name == "same");
    }

    [Fact]
    public async Task EventActor_must_deliver_events_sent_right_after_start_to_the_plugins_it_was_started_with()
    {
        var store = new InMemoryEventPlugin(100);
        var events = StartEventActor(new EventSettings(), store);

        for (var i = 0; i < 20; i++)
        {
            events.Tell(Envelope(EventType.TokenCreated, id: "e" + i));
        }

        var found = await Eventually(() => QueryAsync(events, new EventQuery()), f => f.Events.Count == 20);
        Assert.Equal(20, found.Events.Count);
    }
}
