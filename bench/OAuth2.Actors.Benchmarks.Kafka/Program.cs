using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Kafka;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Tools.KafkaMockCluster;

// Sustained events/s into Kafka through the real pipeline: EventPublisher -> EventActor (filter, broadcast router)
// -> PluginSinkActor (bounded queue, Akka.Streams batching and parallelism) -> KafkaEventPlugin (Confluent.Kafka,
// idempotent, acks=all, every delivery report awaited) -> librdkafka's mock cluster.
// The publisher keeps at most --window events outstanding (published, not yet acknowledged), below the sink buffer,
// so nothing is dropped and memory stays bounded: the figure is what the sink sustains, not what a queue absorbs.
//
// Usage: dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks.Kafka -- [--events 1000000] [--rounds 3]
//        [--window 50000] [--buffer 100000] [--max-batch N] [--parallelism N] [--brokers host:port] [--config k=v,k=v]
var events = 1_000_000;
var rounds = 3;
var window = 50_000;
var buffer = 100_000;
int? maxBatch = null;
int? parallelism = null;
string? brokers = null;
string? config = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    switch (args[i])
    {
        case "--events": events = Int(value); break;
        case "--rounds": rounds = Int(value); break;
        case "--window": window = Int(value); break;
        case "--buffer": buffer = Int(value); break;
        case "--max-batch": maxBatch = Int(value); break;
        case "--parallelism": parallelism = Int(value); break;
        case "--brokers": brokers = value; break;
        case "--config": config = value; break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}

if (window >= buffer)
{
    throw new ArgumentException("--window must stay below --buffer, or the sink drops events");
}

using var mock = brokers is null ? MockKafkaCluster.Start() : null;
brokers ??= mock!.BootstrapServers;
Console.WriteLine($"Kafka sink benchmark: {events:N0} events x {rounds} rounds into {(mock is null ? "brokers " : "librdkafka's mock cluster at ")}{brokers}; window {window:N0}, sink buffer {buffer:N0}, {Environment.ProcessorCount} cores");

var akkaConfig = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
using var system = ActorSystem.Create("bench-kafka", akkaConfig);
var time = TimeProvider.System;
var context = new RequestContext("bench-correlation", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
var metadata = new Dictionary<string, string>
{
    ["grant_type"] = "client_credentials",
    ["scope"] = "read write",
    ["has_refresh_token"] = "false",
    ["jti"] = "9f2c1c6e-52a4-4d0f-9a7e-3b8f0f1d2c3b",
};

var rates = new List<double>();
var heapPeaks = new List<long>();
for (var round = 1; round <= rounds; round++)
{
    var defaults = new KafkaSinkOptions();
    var options = defaults with
    {
        Brokers = brokers,
        Topic = $"bench-{round}-{Guid.NewGuid():N}",
        Config = KafkaSinkOptions.ParseConfig(config).Config ?? throw new ArgumentException("--config is not k=v,k=v"),
        MaxBatch = maxBatch ?? defaults.MaxBatch,
        Parallelism = parallelism ?? defaults.Parallelism,
    };
    var (plugin, problem) = KafkaEventPlugin.Create(options);
    if (plugin is null)
    {
        throw new InvalidOperationException(problem);
    }

    // The topic exists (auto-created) and the producer has its id before the clock starts.
    await plugin.EmitAsync(Envelope(), CancellationToken.None);
    var before = plugin.Delivered;

    var settings = new EventSettings { SinkBufferSize = buffer };
    var actor = system.ActorOf(EventActor.Props(settings, time, [plugin]), $"events-{round}");
    await WaitForSink(actor);
    var publisher = new EventPublisher(actor, time, "bench");

    GC.Collect();
    GC.WaitForPendingFinalizers();
    var heapBefore = GC.GetTotalMemory(true);
    long heapPeak = 0;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
            await Task.Delay(10);
        }
    });

    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < events; i++)
    {
        publisher.Publish(EventType.TokenCreated, context, "bench-client", metadata: metadata);
        if ((i & 1023) == 0)
        {
            while (i - (plugin.Delivered - before) > window)
            {
                await Task.Delay(1);
            }
        }
    }

    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (plugin.Delivered - before < events && DateTime.UtcNow < deadline)
    {
        await Task.Delay(1);
    }

    watch.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    await sampling.CancelAsync();
    await sampler;
    var delivered = plugin.Delivered - before;
    var health = await actor.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(10));
    var sink = health.Sinks.Single();
    var rate = delivered / watch.Elapsed.TotalSeconds;
    rates.Add(rate);
    heapPeaks.Add(heapPeak);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {round}: {delivered:N0} events acknowledged in {watch.Elapsed.TotalMilliseconds:N0} ms = {rate:N0} events/s ({cpu.TotalMicroseconds / Math.Max(1, delivered):N1} CPU-µs/event, mock cluster included when in-process); sink delivered {sink.Delivered:N0}, failed {sink.Failed:N0}, dropped {sink.Dropped:N0}; delivery reports ok {plugin.Delivered:N0}, failed {plugin.FailedReports:N0}; managed heap before {heapBefore / 1048576.0:N1} MiB, peak {heapPeak / 1048576.0:N1} MiB; process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MiB"));
    if (delivered < events)
    {
        Console.WriteLine($"round {round}: only {delivered:N0} of {events:N0} acknowledged within 5 minutes");
    }

    await actor.GracefulStop(TimeSpan.FromSeconds(10));
    plugin.Dispose();
}

rates.Sort();
heapPeaks.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"kafka sink median: {rates[rates.Count / 2]:N0} events/s over {rounds} rounds of {events:N0} (min {rates[0]:N0}, max {rates[^1]:N0}); managed heap peak median {heapPeaks[heapPeaks.Count / 2] / 1048576.0:N1} MiB"));
await system.Terminate();
return;

static int Int(string value) => int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

static EventEnvelope Envelope() => new(
    new AuthEvent(Guid.NewGuid().ToString(), EventType.TokenCreated, DateTimeOffset.UtcNow, EventSeverity.Info, null, "bench-client", new Dictionary<string, string>(), null),
    null,
    null,
    null,
    "bench-warmup",
    "bench",
    DateTimeOffset.UtcNow,
    new Dictionary<string, string>());

static async Task WaitForSink(IActorRef actor)
{
    for (var i = 0; i < 200; i++)
    {
        var health = await actor.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(5));
        if (health.Sinks.Count >= 1)
        {
            return;
        }

        await Task.Delay(20);
    }

    throw new TimeoutException("the Kafka sink did not register");
}
