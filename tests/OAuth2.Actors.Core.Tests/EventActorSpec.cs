namespace OAuth2.Actors.Core.Tests;

/// <summary>The event actor: filter modes, fan-out to every sink with failing plugins isolated, queries and health.</summary>
public class EventActorSpec(ITestOutputHelper output) : EventActorSpecBase(output)
{
    // ---- filter modes -------------------------------------------------------------------------------------------

    [Fact]
    public async Task EventActor_must_deliver_every_event_type_in_allow_all_mode()
    {
        var (events, probe) = await StartWithProbeAsync();

        foreach (var type in Enum.GetValues<EventType>())
        {
            events.Tell(Envelope(type));
        }

        Assert.Equal(Enum.GetValues<EventType>(), await ReceiveTypesAsync(probe, Enum.GetValues<EventType>().Length));
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        var health = await HealthAsync(events);
        Assert.Equal(Enum.GetValues<EventType>().Length, health.Published);
        Assert.Equal(0, health.Filtered);
    }

    [Fact]
    public async Task EventActor_must_deliver_only_the_listed_types_in_include_mode()
    {
        var (events, probe) = await StartFilteredWithProbeAsync(EventFilterMode.Include, EventType.TokenCreated, EventType.ClientRegistered);

        events.Tell(Envelope(EventType.TokenValidated));
        events.Tell(Envelope(EventType.TokenCreated, id: "created"));
        events.Tell(Envelope(EventType.ClientValidated));
        events.Tell(Envelope(EventType.TokenRevoked));
        events.Tell(Envelope(EventType.ClientRegistered, id: "registered"));
        events.Tell(Envelope(EventType.UserLogout));

        Assert.Equal("created", (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        Assert.Equal("registered", (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        var health = await HealthAsync(events);
        Assert.Equal(2, health.Published);
        Assert.Equal(4, health.Filtered);
    }

    [Fact]
    public async Task EventActor_must_withhold_the_listed_types_in_exclude_mode()
    {
        var (events, probe) = await StartFilteredWithProbeAsync(EventFilterMode.Exclude, EventType.TokenValidated, EventType.ClientValidated);

        events.Tell(Envelope(EventType.TokenValidated));
        events.Tell(Envelope(EventType.TokenCreated));
        events.Tell(Envelope(EventType.ClientValidated));
        events.Tell(Envelope(EventType.TokenRevoked));
        events.Tell(Envelope(EventType.TokenValidated));
        events.Tell(Envelope(EventType.UserLogout));

        Assert.Equal([EventType.TokenCreated, EventType.TokenRevoked, EventType.UserLogout], await ReceiveTypesAsync(probe, 3));
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, (await HealthAsync(events)).Filtered);
    }

    [Fact]
    public async Task EventActor_must_deliver_nothing_in_include_mode_without_types()
    {
        var events = StartEventActor(new EventSettings { Filter = new EventFilter(EventFilterMode.Include, new HashSet<EventType>()) });
        var probe = await SinkProbeAsync(events, "probe");

        foreach (var type in Enum.GetValues<EventType>())
        {
            events.Tell(Envelope(type));
        }

        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(Enum.GetValues<EventType>().Length, (await HealthAsync(events)).Filtered);
    }

    // ---- fan-out and isolation ----------------------------------------------------------------------------------

    [Fact]
    public async Task EventActor_must_fan_out_every_event_to_every_sink()
    {
        var events = StartEventActor();
        var first = await SinkProbeAsync(events, "first");
        var second = await SinkProbeAsync(events, "second");
        var store = new InMemoryEventPlugin(100);
        await RegisterPluginAsync(events, store);

        var sent = Enumerable.Range(0, 10).Select(i => Envelope(EventType.TokenCreated, id: "e" + i)).ToArray();
        foreach (var envelope in sent)
        {
            events.Tell(envelope);
        }

        foreach (var probe in new[] { first, second })
        {
            foreach (var envelope in sent)
            {
                Assert.Same(envelope, await probe.ExpectMsgAsync<EventEnvelope>());
            }
        }

        var health = await HealthWhenAsync(events, h => Sink(h, EventBackends.InMemory)?.Delivered == sent.Length);
        Assert.Equal(sent.Length, Sink(health, EventBackends.InMemory)!.Delivered);
        Assert.Equal(sent.Select(e => e.Event.Id).Reverse(), store.Query(new EventQuery()).Select(e => e.Event.Id));
        Assert.Equal(["first", "in_memory", "second"], health.Sinks.Select(s => s.Name).Order());
    }

    [Fact]
    public async Task EventActor_must_keep_delivering_to_healthy_sinks_while_plugins_throw_or_hang()
    {
        var events = StartEventActor(new EventSettings { PluginTimeout = TimeSpan.FromMilliseconds(500) });
        var probe = CreateTestProbe();
        var store = new InMemoryEventPlugin(100);
        var throwing = new ThrowingPlugin("throwing");
        var throwingSynchronously = new ThrowingPlugin("throwing-sync", synchronously: true);
        var hanging = new HangingPlugin("hanging");
        await RegisterPluginAsync(events, throwing);
        await RegisterPluginAsync(events, hanging);
        await RegisterPluginAsync(events, throwingSynchronously);
        await RegisterSinkAsync(events, "probe", probe.Ref);
        await RegisterPluginAsync(events, store);

        const int count = 6;
        for (var i = 0; i < count; i++)
        {
            events.Tell(Envelope(EventType.TokenCreated, id: "e" + i));
        }

        // The actor sink and the healthy plugin get every event without waiting for the hung plugin, which needs
        // one timeout (500 ms) per event: 3 s for all of them.
        for (var i = 0; i < count; i++)
        {
            Assert.Equal("e" + i, (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        }

        var early = await HealthWhenAsync(events, h => Sink(h, EventBackends.InMemory)?.Delivered == count, TimeSpan.FromSeconds(2));
        Assert.Equal(count, Sink(early, EventBackends.InMemory)!.Delivered);
        Assert.True(Sink(early, "hanging")!.Failed < count, "the healthy sinks waited for the hung plugin");
        Assert.Equal(count, store.Count);

        // Every failure is counted: the throwing plugins at once, the hung one after one timeout per event.
        var health = await HealthWhenAsync(events, h => Sink(h, "hanging")?.Failed == count && Sink(h, "throwing")?.Failed == count && Sink(h, "throwing-sync")?.Failed == count);
        Assert.Equal(count, Sink(health, "throwing")!.Failed);
        Assert.Equal(count, Sink(health, "throwing-sync")!.Failed);
        Assert.Equal(count, Sink(health, "hanging")!.Failed);
        Assert.Equal(0, Sink(health, "throwing")!.Delivered);
        Assert.Equal(0, Sink(health, "hanging")!.Delivered);
        Assert.False(Sink(health, "throwing")!.Healthy);
        Assert.True(Sink(health, EventBackends.InMemory)!.Healthy);
        Assert.Equal(count, Sink(health, EventBackends.InMemory)!.Delivered);
        Assert.Equal(0, Sink(health, EventBackends.InMemory)!.Failed);
        Assert.Equal(count, throwing.Calls);
        Assert.Equal(count, hanging.Calls);

        // And the pipeline still works afterwards.
        events.Tell(Envelope(EventType.TokenRevoked, id: "after"));
        Assert.Equal("after", (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
    }

    [Fact]
    public async Task PluginSink_must_drop_and_count_events_beyond_its_buffer_while_the_plugin_blocks()
    {
        const int buffer = 10;
        const int sent = 100;
        var events = StartEventActor(new EventSettings { SinkBufferSize = buffer, PluginTimeout = TimeSpan.FromSeconds(30) });
        var blocking = new BlockingPlugin("blocking");
        var probe = CreateTestProbe();
        await RegisterPluginAsync(events, blocking);
        await RegisterSinkAsync(events, "probe", probe.Ref);

        for (var i = 0; i < sent; i++)
        {
            events.Tell(Envelope(EventType.TokenValidated, id: "e" + i));
        }

        // The router never waits for the blocked plugin: another sink gets all of them right away.
        for (var i = 0; i < sent; i++)
        {
            await probe.ExpectMsgAsync<EventEnvelope>();
        }

        // At most one event is inside the plugin; the rest are either buffered or dropped.
        var blocked = await HealthWhenAsync(events, h => Sink(h, "blocking") is { } s && s.Dropped + s.Buffered >= sent - 1);
        var during = Sink(blocked, "blocking")!;
        Assert.True(during.Dropped > 0, $"dropped {during.Dropped}");
        Assert.InRange(during.Buffered, 0, buffer + 1); // the queue, and the event inside the plugin
        Assert.Equal(0, during.Delivered);
        Assert.Equal(0, during.Failed);
        Assert.InRange(during.Dropped + during.Buffered, sent - 1, sent);
        Assert.InRange(blocking.Started, 0, 1);

        blocking.Release();

        var drained = await HealthWhenAsync(events, h => Sink(h, "blocking") is { Buffered: 0 } s && s.Delivered + s.Failed + s.Dropped == sent);
        var after = Sink(drained, "blocking")!;
        Assert.Equal(0, after.Buffered);
        Assert.Equal(0, after.Failed);
        Assert.Equal(during.Dropped, after.Dropped);
        Assert.Equal(sent, after.Delivered + after.Dropped);
        Assert.InRange(after.Delivered, 1, buffer + 1);
        Assert.Equal(after.Delivered, blocking.Completed);
        Assert.Equal(sent, (await HealthAsync(events)).Published);
    }

    // ---- queries --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task EventActor_must_answer_queries_from_the_in_memory_plugin()
    {
        var events = StartEventActor();
        await RegisterPluginAsync(events, new InMemoryEventPlugin(100));
        events.Tell(Envelope(EventType.ClientRegistered, id: "r1", clientId: "billing"));
        events.Tell(Envelope(EventType.TokenCreated, id: "t1", clientId: "billing"));
        events.Tell(Envelope(EventType.TokenCreated, id: "t2", clientId: "reports"));
        events.Tell(Envelope(EventType.TokenCreated, id: "t3", clientId: "billing"));

        var all = await Eventually(() => QueryAsync(events, new EventQuery()), f => f.Events.Count == 4);
        Assert.Equal(["t3", "t2", "t1", "r1"], all.Events.Select(e => e.Event.Id));

        var billingTokens = await QueryAsync(events, new EventQuery(EventType.TokenCreated, ClientId: "billing"));
        Assert.Equal(["t3", "t1"], billingTokens.Events.Select(e => e.Event.Id));

        var newest = await QueryAsync(events, new EventQuery(Limit: 1));
        Assert.Equal(["t3"], newest.Events.Select(e => e.Event.Id));
    }

    [Fact]
    public async Task EventActor_must_answer_queries_with_no_events_without_an_in_memory_plugin()
    {
        var events = StartEventActor();
        await RegisterPluginAsync(events, new RecordingPlugin("recording"));
        events.Tell(Envelope(EventType.TokenCreated));

        var found = await QueryAsync(events, new EventQuery());

        Assert.Empty(found.Events);
    }

    [Fact]
    public async Task EventActor_must_report_every_sink_in_its_health()
    {
        var events = StartEventActor();
        var probe = CreateTestProbe();
        await RegisterPluginAsync(events, new InMemoryEventPlugin(10));
        await RegisterPluginAsync(events, new ConsoleEventPlugin(TextWriter.Null));
        await RegisterSinkAsync(events, "probe", probe.Ref);
        events.Tell(Envelope(EventType.TokenCreated));

        var health = await HealthWhenAsync(events, h => h.Sinks.Where(s => s.Kind == "plugin").All(s => s.Delivered == 1));

        Assert.True(health.Enabled);
        Assert.Equal(1, health.Published);
        Assert.Equal(["console", "in_memory", "probe"], health.Sinks.Select(s => s.Name).Order());
        Assert.All(health.Sinks, s => Assert.True(s.Healthy));
        Assert.All(health.Sinks.Where(s => s.Kind == "plugin"), s => Assert.Equal((1L, 0L, 0L, 0L), (s.Delivered, s.Failed, s.Dropped, s.Buffered)));
        Assert.Equal("actor", Sink(health, "probe")!.Kind);
    }
}
