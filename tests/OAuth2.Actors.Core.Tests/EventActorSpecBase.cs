using Akka.Configuration;

namespace OAuth2.Actors.Core.Tests;

/// <summary>What the <see cref="EventActor"/> specs share: a fake clock, starting the actor, and asking it.</summary>
public abstract class EventActorSpecBase(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING"), output: output)
{
    protected static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    protected readonly FakeTimeProvider _time = new(Start);

    protected IActorRef StartEventActor(EventSettings? settings = null, params IEventPlugin[] plugins) =>
        Sys.ActorOf(EventActor.Props(settings ?? new EventSettings(), _time, plugins));

    protected static async Task RegisterSinkAsync(IActorRef events, string name, IActorRef sink)
    {
        var registered = await events.Ask<EventSinkRegistered>(new RegisterEventSink(name, sink), AskTimeout);
        Assert.Equal(name, registered.Name);
    }

    /// <summary>A test probe registered with <paramref name="events"/> as the sink actor <paramref name="name"/>.</summary>
    protected async Task<TestProbe> SinkProbeAsync(IActorRef events, string name = "probe")
    {
        var probe = CreateTestProbe();
        await RegisterSinkAsync(events, name, probe.Ref);
        return probe;
    }

    /// <summary>An event actor with <paramref name="settings"/> and a test probe registered with it as the sink "probe".</summary>
    protected async Task<(IActorRef Events, TestProbe Probe)> StartWithProbeAsync(EventSettings? settings = null)
    {
        var events = StartEventActor(settings);
        return (events, await SinkProbeAsync(events, "probe"));
    }

    /// <summary>As <see cref="StartWithProbeAsync"/>, the actor filtering with <paramref name="mode"/> over <paramref name="types"/>.</summary>
    protected Task<(IActorRef Events, TestProbe Probe)> StartFilteredWithProbeAsync(EventFilterMode mode, params EventType[] types) =>
        StartWithProbeAsync(new EventSettings { Filter = new EventFilter(mode, types.ToHashSet()) });

    protected static async Task RegisterPluginAsync(IActorRef events, IEventPlugin plugin)
    {
        var registered = await events.Ask<EventSinkRegistered>(new RegisterEventPlugin(plugin), AskTimeout);
        Assert.Equal(plugin.Name, registered.Name);
    }

    protected static Task<EventHealth> HealthAsync(IActorRef events) => events.Ask<EventHealth>(GetEventHealth.Instance, AskTimeout);

    protected static Task<EventHealth> HealthWhenAsync(IActorRef events, Func<EventHealth, bool> done, TimeSpan? within = null) =>
        Eventually(() => HealthAsync(events), done, within);

    protected static SinkHealth? Sink(EventHealth health, string name) => health.Sinks.SingleOrDefault(s => s.Name == name);

    protected static Task<EventsFound> QueryAsync(IActorRef events, EventQuery query) => events.Ask<EventsFound>(new QueryEvents(query), AskTimeout);

    protected static Task<IngestReply> IngestAsync(IActorRef events, IncomingEnvelope envelope, string? header = null, string? correlationId = null) =>
        events.Ask<IngestReply>(new IngestEvent(envelope, header, correlationId), AskTimeout);

    protected async Task<IReadOnlyList<EventType>> ReceiveTypesAsync(TestProbe probe, int count)
    {
        var types = new List<EventType>();
        for (var i = 0; i < count; i++)
        {
            types.Add((await probe.ExpectMsgAsync<EventEnvelope>()).Event.EventType);
        }

        return types;
    }

    /// <summary>
    /// Routee removal is asynchronous in the router: sends markers until one reaches <paramref name="staying"/> and
    /// not <paramref name="removed"/>, so that later events are routed without the removed sink.
    /// </summary>
    protected Task UntilRemovedFromRouterAsync(IActorRef events, TestProbe staying, TestProbe removed) =>
        AwaitAssertAsync(
            async () =>
            {
                var marker = "marker-" + Guid.NewGuid().ToString("N");
                events.Tell(Envelope(EventType.TokenCreated, id: marker));
                Assert.Equal(marker, (await staying.ExpectMsgAsync<EventEnvelope>()).Event.Id);
                await removed.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
            },
            TimeSpan.FromSeconds(20),
            TimeSpan.FromMilliseconds(50));
}
