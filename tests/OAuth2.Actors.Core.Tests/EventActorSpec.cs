using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;
using OAuth2.Actors.Events;
using Xunit;
using Xunit.Abstractions;
using static OAuth2.Actors.Core.Tests.EventSpecSupport;

namespace OAuth2.Actors.Core.Tests;

public class EventActorSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING"), output: output)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(Start);

    private IActorRef StartEventActor(EventSettings? settings = null, params IEventPlugin[] plugins) =>
        Sys.ActorOf(EventActor.Props(settings ?? new EventSettings(), _time, plugins));

    private static async Task RegisterSinkAsync(IActorRef events, string name, IActorRef sink)
    {
        var registered = await events.Ask<EventSinkRegistered>(new RegisterEventSink(name, sink), AskTimeout);
        Assert.Equal(name, registered.Name);
    }

    private static async Task RegisterPluginAsync(IActorRef events, IEventPlugin plugin)
    {
        var registered = await events.Ask<EventSinkRegistered>(new RegisterEventPlugin(plugin), AskTimeout);
        Assert.Equal(plugin.Name, registered.Name);
    }

    private static Task<EventHealth> HealthAsync(IActorRef events) => events.Ask<EventHealth>(GetEventHealth.Instance, AskTimeout);

    private static Task<EventHealth> HealthWhenAsync(IActorRef events, Func<EventHealth, bool> done, TimeSpan? within = null) =>
        Eventually(() => HealthAsync(events), done, within);

    private static SinkHealth? Sink(EventHealth health, string name) => health.Sinks.SingleOrDefault(s => s.Name == name);

    private static Task<EventsFound> QueryAsync(IActorRef events, EventQuery query) => events.Ask<EventsFound>(new QueryEvents(query), AskTimeout);

    private static Task<IngestReply> IngestAsync(IActorRef events, IncomingEnvelope envelope, string? header = null, string? correlationId = null) =>
        events.Ask<IngestReply>(new IngestEvent(envelope, header, correlationId), AskTimeout);

    private async Task<IReadOnlyList<EventType>> ReceiveTypesAsync(TestProbe probe, int count)
    {
        var types = new List<EventType>();
        for (var i = 0; i < count; i++)
        {
            types.Add((await probe.ExpectMsgAsync<EventEnvelope>()).Event.EventType);
        }

        return types;
    }

    // ---- filter modes -------------------------------------------------------------------------------------------

    [Fact]
    public async Task EventActor_must_deliver_every_event_type_in_allow_all_mode()
    {
        var events = StartEventActor();
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

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
        var filter = new EventFilter(EventFilterMode.Include, new HashSet<EventType> { EventType.TokenCreated, EventType.ClientRegistered });
        var events = StartEventActor(new EventSettings { Filter = filter });
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

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
        var filter = new EventFilter(EventFilterMode.Exclude, new HashSet<EventType> { EventType.TokenValidated, EventType.ClientValidated });
        var events = StartEventActor(new EventSettings { Filter = filter });
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

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
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

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
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var store = new InMemoryEventPlugin(100);
        await RegisterSinkAsync(events, "first", first.Ref);
        await RegisterSinkAsync(events, "second", second.Ref);
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
        await Task.Delay(300);
        Assert.False(drain.IsCompleted, "the drain answered while the sink still held events");

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

    // ---- runtime sinks ------------------------------------------------------------------------------------------

    [Fact]
    public async Task EventActor_must_deliver_to_a_sink_actor_registered_at_runtime_and_forget_it_when_it_stops()
    {
        var events = StartEventActor();
        var other = CreateTestProbe();
        await RegisterSinkAsync(events, "other", other.Ref);
        events.Tell(Envelope(EventType.TokenCreated, id: "before"));
        Assert.Equal("before", (await other.ExpectMsgAsync<EventEnvelope>()).Event.Id);

        var custom = CreateTestProbe();
        await RegisterSinkAsync(events, "custom", custom.Ref);
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
        var successor = CreateTestProbe();
        await RegisterSinkAsync(events, "custom", successor.Ref);
        events.Tell(Envelope(EventType.TokenRevoked, id: "successor"));
        Assert.Equal("successor", (await successor.ExpectMsgAsync<EventEnvelope>()).Event.Id);
    }

    [Fact]
    public async Task EventActor_must_stop_delivering_to_an_unregistered_sink()
    {
        var events = StartEventActor();
        var leaving = CreateTestProbe();
        var staying = CreateTestProbe();
        await RegisterSinkAsync(events, "leaving", leaving.Ref);
        await RegisterSinkAsync(events, "staying", staying.Ref);

        var unregistered = await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("leaving"), AskTimeout);
        Assert.Equal("leaving", unregistered.Name);

        // Routee removal is asynchronous in the router; later events must not reach the sink.
        var health = await HealthAsync(events);
        Assert.Null(Sink(health, "leaving"));
        await Task.Delay(100);
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
        var probe = CreateTestProbe();
        await RegisterPluginAsync(events, plugin);
        await RegisterSinkAsync(events, "probe", probe.Ref);
        events.Tell(Envelope(EventType.TokenCreated, id: "before"));
        await probe.ExpectMsgAsync<EventEnvelope>();
        await Eventually(() => Task.FromResult(plugin.Received.Count), c => c == 1);

        await events.Ask<EventSinkUnregistered>(new UnregisterEventSink("recording"), AskTimeout);
        await Task.Delay(100);
        events.Tell(Envelope(EventType.TokenCreated, id: "after"));
        await probe.ExpectMsgAsync<EventEnvelope>();
        await Task.Delay(200);

        Assert.Equal(["before"], plugin.Received.Select(e => e.Event.Id));
        Assert.Null(Sink(await HealthAsync(events), "recording"));
    }

    [Fact]
    public async Task EventActor_must_accept_a_plugin_registered_again_after_it_was_unregistered()
    {
        var events = StartEventActor();
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);
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
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        await RegisterSinkAsync(events, "same", first.Ref);
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

        var found = await Eventually(() => QueryAsync(events, new EventQuery()), f => f.Events.Count == 20, TimeSpan.FromSeconds(3));
        Assert.Equal(20, found.Events.Count);
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

    // ---- ingest -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Ingest_must_accept_a_valid_envelope_and_deliver_it_to_the_sinks()
    {
        var events = StartEventActor(new EventSettings { Producer = "oauth2-spec" });
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

        var reply = await IngestAsync(events, Incoming(id: "ext-1", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), correlationId: "corr-1");

        var accepted = Assert.IsType<IngestAccepted>(reply);
        Assert.Equal("ext-1", accepted.EventId);
        Assert.Equal("ext-1", accepted.IdempotencyKey);
        var envelope = await probe.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("ext-1", envelope.Event.Id);
        Assert.Equal(EventType.UserAuthenticated, envelope.Event.EventType);
        Assert.Equal(Start, envelope.Event.Timestamp);
        Assert.Equal("user-1", envelope.Event.UserId);
        Assert.Equal("client-1", envelope.Event.ClientId);
        Assert.Equal("password", envelope.Event.Metadata["method"]);
        Assert.Equal("ext-1", envelope.IdempotencyKey);
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", envelope.Traceparent);
        Assert.Equal("corr-1", envelope.CorrelationId);
        Assert.Equal("oauth2-spec", envelope.Producer);
        Assert.Equal(_time.GetUtcNow(), envelope.ProducedAt);
        Assert.Equal("ingest", envelope.Attributes["source"]);
    }

    [Fact]
    public async Task Ingest_must_keep_the_producers_own_correlation_producer_and_attributes()
    {
        var events = StartEventActor();
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);
        var producedAt = Start.AddMinutes(-5);

        await IngestAsync(events, Incoming() with
        {
            CorrelationId = "their-corr",
            Producer = "billing-service",
            ProducedAt = producedAt,
            Attributes = new Dictionary<string, string> { ["source"] = "batch", ["region"] = "eu" },
        }, correlationId: "request-corr");

        var envelope = await probe.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("their-corr", envelope.CorrelationId);
        Assert.Equal("billing-service", envelope.Producer);
        Assert.Equal(producedAt, envelope.ProducedAt);
        Assert.Equal("eu", envelope.Attributes["region"]);
    }

    public static TheoryData<string> KeySources => new() { "header", "body", "event_id" };

    private static (IncomingEnvelope Envelope, string? Header) WithKey(string source, string key, string eventId) => source switch
    {
        "header" => (Incoming(id: eventId), key),
        "body" => (Incoming(id: eventId, idempotencyKey: key), null),
        _ => (Incoming(id: key), null),
    };

    [Theory]
    [MemberData(nameof(KeySources))]
    public async Task Ingest_must_answer_duplicate_for_a_key_seen_before(string source)
    {
        var events = StartEventActor();
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

        var (first, firstHeader) = WithKey(source, "key-1", "event-a");
        var (second, secondHeader) = WithKey(source, "key-1", "event-b");
        var (third, thirdHeader) = WithKey(source, "key-2", "event-c");

        var accepted = Assert.IsType<IngestAccepted>(await IngestAsync(events, first, firstHeader));
        var duplicate = Assert.IsType<IngestDuplicate>(await IngestAsync(events, second, secondHeader));
        var other = Assert.IsType<IngestAccepted>(await IngestAsync(events, third, thirdHeader));

        Assert.Equal("key-1", accepted.IdempotencyKey);
        Assert.Equal("key-1", duplicate.IdempotencyKey);
        Assert.Equal("key-2", other.IdempotencyKey);
        Assert.Equal("key-1", (await probe.ExpectMsgAsync<EventEnvelope>()).IdempotencyKey);
        Assert.Equal("key-2", (await probe.ExpectMsgAsync<EventEnvelope>()).IdempotencyKey);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Ingest_must_take_the_key_from_the_header_then_the_body_then_the_event_id()
    {
        var events = StartEventActor();

        var header = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-1", idempotencyKey: "body-1"), "header-1"));
        var body = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-1", idempotencyKey: "body-1")));
        var id = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-1")));
        var blankHeader = Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "id-2", idempotencyKey: "body-2"), "  "));

        Assert.Equal("header-1", header.IdempotencyKey);
        Assert.Equal("body-1", body.IdempotencyKey);
        Assert.Equal("id-1", id.IdempotencyKey);
        Assert.Equal("body-2", blankHeader.IdempotencyKey);
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "other"), "header-1"));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "other", idempotencyKey: "body-1")));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "id-1", idempotencyKey: " ")));
    }

    [Fact]
    public async Task Ingest_must_treat_a_key_as_new_once_the_dedup_window_has_passed()
    {
        var events = StartEventActor(new EventSettings { DedupWindow = TimeSpan.FromMinutes(1) });

        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "ext-1")));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "ext-1")));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "ext-1")));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "ext-1")));
    }

    [Fact]
    public async Task Ingest_must_remember_keys_of_events_the_filter_withholds()
    {
        var filter = new EventFilter(EventFilterMode.Include, new HashSet<EventType> { EventType.TokenCreated });
        var events = StartEventActor(new EventSettings { Filter = filter });
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "withheld", type: "user_logout")));
        Assert.IsType<IngestDuplicate>(await IngestAsync(events, Incoming(id: "withheld", type: "user_logout")));
        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "passes", type: "token_created")));

        Assert.Equal("passes", (await probe.ExpectMsgAsync<EventEnvelope>()).Event.Id);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    private static readonly Dictionary<string, (IncomingEnvelope Envelope, string Reason)> Invalid = new()
    {
        ["no event"] = (Incoming() with { Event = null }, "'event' is required"),
        ["unknown type"] = (Incoming(type: "token_minted"), "'event.event_type' 'token_minted' is not a known event type"),
        ["missing type"] = (Incoming(type: null), "'event.event_type' is required"),
        ["missing id"] = (Incoming(id: null), "'event.id' is required"),
        ["blank id"] = (Incoming(id: "   "), "'event.id' is required"),
        ["long id"] = (Incoming(id: new string('x', 201)), "'event.id' is required"),
        ["missing timestamp"] = (Incoming() with { Event = Incoming().Event! with { Timestamp = null } }, "'event.timestamp' is required"),
        ["bad severity"] = (Incoming() with { Event = Incoming().Event! with { Severity = "fatal" } }, "'event.severity' 'fatal'"),
        ["malformed traceparent"] = (Incoming(traceparent: "00-xyz-01"), "'traceparent' is not a W3C traceparent"),
        ["uppercase traceparent"] = (Incoming(traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"), "'traceparent' is not a W3C traceparent"),
        ["zero trace id"] = (Incoming(traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "'traceparent' is not a W3C traceparent"),
        ["zero span id"] = (Incoming(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "'traceparent' is not a W3C traceparent"),
        ["long tracestate"] = (Incoming() with { Tracestate = new string('a', 513) }, "'tracestate' is longer than 512"),
        ["long key"] = (Incoming(idempotencyKey: new string('k', 201)), "idempotency key is longer than 200"),
    };

    public static TheoryData<string> InvalidEnvelopes => new(Invalid.Keys);

    [Theory]
    [MemberData(nameof(InvalidEnvelopes))]
    public async Task Ingest_must_reject_an_invalid_envelope_with_the_reason(string because)
    {
        var (envelope, reason) = Invalid[because];
        var events = StartEventActor();
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, "probe", probe.Ref);

        var reply = await IngestAsync(events, envelope);

        var rejected = Assert.IsType<IngestRejected>(reply);
        Assert.True(rejected.Reason.Contains(reason, StringComparison.Ordinal), $"{because}: '{rejected.Reason}' should contain '{reason}'");
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        // A rejected envelope does not use up its key.
        Assert.IsType<IngestAccepted>(await IngestAsync(events, Incoming(id: "ext-1")));
    }
}
