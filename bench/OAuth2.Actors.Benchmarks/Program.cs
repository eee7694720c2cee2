using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using OAuth2.Actors.Events;

// Event pipeline throughput: EventActor -> filter -> broadcast router -> plugin sink actor (bounded stream) -> in-memory store.
// Usage: dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks -- [events=1000000] [rounds=5]
var events = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;

var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
using var system = ActorSystem.Create("bench", config);
var time = TimeProvider.System;

var throughputs = new List<double>();
for (var round = 1; round <= rounds; round++)
{
    var settings = new EventSettings { SinkBufferSize = 100_000, InMemoryMax = 1000 };
    var store = new InMemoryEventPlugin(settings.InMemoryMax);
    var actor = system.ActorOf(EventActor.Props(settings, time, [store]), $"events-{round}");
    await WaitForSinks(actor, 1);
    var publisher = new EventPublisher(actor, time, "bench");
    var context = new OAuth2.Actors.Protocol.RequestContext("bench-correlation");

    var sw = Stopwatch.StartNew();
    for (var i = 0; i < events; i++)
    {
        publisher.Publish(EventType.TokenCreated, context, "client", metadata: Metadata);
    }

    var health = await WaitUntilAccounted(actor, events);
    sw.Stop();
    var rate = events / sw.Elapsed.TotalSeconds;
    throughputs.Add(rate);
    var sink = health.Sinks.Single();
    Console.WriteLine($"round {round}: {events:N0} events in {sw.Elapsed.TotalMilliseconds:N0} ms = {rate:N0} events/s (delivered {sink.Delivered:N0}, dropped {sink.Dropped:N0}, store {store.Count:N0})");
    await actor.GracefulStop(TimeSpan.FromSeconds(5));
}

throughputs.Sort();
Console.WriteLine($"pipeline median: {throughputs[throughputs.Count / 2]:N0} events/s over {rounds} rounds of {events:N0}");

// Overload: a sink that is far slower than the producers. Memory must stay bounded by the sink buffer.
{
    var settings = new EventSettings { SinkBufferSize = 10_000 };
    var slow = new SlowPlugin();
    var actor = system.ActorOf(EventActor.Props(settings, time, [slow]), "events-overload");
    await WaitForSinks(actor, 1);
    var publisher = new EventPublisher(actor, time, "bench");
    var context = new OAuth2.Actors.Protocol.RequestContext("bench-correlation");
    GC.Collect();
    var before = GC.GetTotalMemory(true);
    long peak = 0;
    for (var batch = 0; batch < 20; batch++)
    {
        for (var i = 0; i < 100_000; i++)
        {
            publisher.Publish(EventType.TokenValidated, context, "client", metadata: Metadata);
        }

        await Task.Delay(50);
        peak = Math.Max(peak, GC.GetTotalMemory(false));
    }

    var health = await WaitUntilAccounted(actor, 2_000_000);
    GC.Collect();
    var after = GC.GetTotalMemory(true);
    var sink = health.Sinks.Single();
    Console.WriteLine($"overload: 2,000,000 events into a 1 ms/event sink with buffer {settings.SinkBufferSize:N0}: delivered {sink.Delivered:N0}, dropped {sink.Dropped:N0}, buffered {sink.Buffered:N0}; managed heap before {before / 1048576.0:N1} MiB, peak {peak / 1048576.0:N1} MiB, after {after / 1048576.0:N1} MiB");
}

await system.Terminate();
return;

static async Task WaitForSinks(IActorRef actor, int count)
{
    for (var i = 0; i < 100; i++)
    {
        var h = await actor.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(5));
        if (h.Sinks.Count >= count)
        {
            return;
        }

        await Task.Delay(20);
    }

    throw new TimeoutException("sinks did not register");
}

static async Task<EventHealth> WaitUntilAccounted(IActorRef actor, long expected)
{
    while (true)
    {
        var h = await actor.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(30));
        var s = h.Sinks.Single();
        if (h.Published >= expected && s.Delivered + s.Failed + s.Dropped + s.Buffered >= expected && (s.Buffered == 0 || s.Dropped > 0))
        {
            return h;
        }

        await Task.Delay(5);
    }
}

internal sealed partial class Program
{
    private static readonly Dictionary<string, string> Metadata = new()
    {
        ["grant_type"] = "client_credentials",
        ["scope"] = "read write",
        ["has_refresh_token"] = "false",
    };
}

internal sealed class SlowPlugin : IEventPlugin
{
    public string Name => "slow";

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => Task.Delay(1, cancellationToken);

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
