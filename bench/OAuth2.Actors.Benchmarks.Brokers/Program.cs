using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.RabbitMq;
using OAuth2.Actors.Events.Redis;
using OAuth2.Actors.Protocol;
using RabbitMQ.Client;
using StackExchange.Redis;

// Broker sink throughput: EventPublisher -> EventActor (filter, broadcast router) -> PluginSinkActor (bounded queue,
// Akka.Streams batching) -> the real Redis Streams / RabbitMQ plugin -> the real broker. The producer keeps at most
// `window` events outstanding (published, not yet delivered), so it measures what the sink sustains without drops,
// and memory stays bounded by the sink's buffer. Every round checks on the broker that every event arrived.
//
// Usage: dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks.Brokers -- redis|rabbit|rabbit-bare [events=200000]
//        [rounds=3] [url=...] [batch=N] [parallelism=N] [buffer=20000] [exchange-type=topic|direct]
//        [formats=envelope,cloudevents,cloudevents-structured]
// The URL defaults to OAUTH2_TEST_REDIS_URL / OAUTH2_TEST_RABBIT_URL (set by .ci/services/*.sh), else the local default.
// rabbit-bare is the broker's ceiling for comparison: no pipeline, no sink, one pre-serialized envelope published with
// the sink's connection settings, properties and batching (persistent, mandatory, confirms awaited per batch) into the
// same durable queue; exchange-type=direct shows what the topic exchange costs the broker.
// formats=envelope,cloudevents,cloudevents-structured (redis and rabbit) runs each format in every round, side by side
// (interleaved, so drift on the machine hits them alike), and prints each median and its ratio to the first format's.
if (args.Length == 0 || args[0] is not ("redis" or "rabbit" or "rabbit-bare"))
{
    Console.Error.WriteLine("usage: redis|rabbit|rabbit-bare [events=200000] [rounds=3] [url=...] [batch=N] [parallelism=N] [buffer=20000] [exchange-type=topic|direct] [formats=envelope,cloudevents,cloudevents-structured]");
    return 2;
}

var broker = args[0];
var options = args.Skip(1).Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
var events = Int(options, "events", 200_000);
var rounds = Int(options, "rounds", 3);
var buffer = Int(options, "buffer", 20_000);
var url = options.GetValueOrDefault("url")
    ?? Environment.GetEnvironmentVariable(broker == "redis" ? "OAUTH2_TEST_REDIS_URL" : "OAUTH2_TEST_RABBIT_URL")
    ?? (broker == "redis" ? "redis://127.0.0.1:6379" : RabbitMqEventSinkOptions.DefaultUrl);
int? batch = options.ContainsKey("batch") ? Int(options, "batch", 0) : null;
int? parallelism = options.ContainsKey("parallelism") ? Int(options, "parallelism", 0) : null;

var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
using var system = ActorSystem.Create("bench", config);
var metadata = new Dictionary<string, string>
{
    ["grant_type"] = "client_credentials",
    ["scope"] = "read write",
    ["has_refresh_token"] = "false",
    ["jti"] = "5d1f0e2c-8b7a-4c7e-9a51-3f0c2d9e7b11",
};
var context = new RequestContext("bench-correlation-0123456789", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

var formats = options.GetValueOrDefault("formats", "envelope").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(f => EventFormats.TryParse(f, out var parsed) ? parsed : throw new ArgumentException($"formats: '{f}' is not one of {EventFormats.Names}"))
    .ToArray();
if (broker == "rabbit-bare" && formats is not [EventFormat.Envelope])
{
    Console.Error.WriteLine("rabbit-bare publishes a pre-serialized envelope: formats does not apply");
    return 2;
}

Console.WriteLine($"{broker}: {RedactUrl(url)}, {events:N0} events x {rounds} rounds (+1 warm-up of {events / 10:N0}), sink buffer {buffer:N0}, formats {string.Join(", ", formats.Select(EventFormats.Name))}, {Environment.ProcessorCount} cores");
var rates = formats.ToDictionary(f => f, _ => new List<double>());
for (var round = 0; round <= rounds; round++)
{
    var count = round == 0 ? Math.Max(1000, events / 10) : events;
    // Each round starts with another format, so none always runs first (on a machine still warming up) or last.
    foreach (var format in formats.Skip(round % formats.Length).Concat(formats.Take(round % formats.Length)))
    {
        var result = broker switch
        {
            "redis" => await RunRedis(round, count, format),
            "rabbit" => await RunRabbit(round, count, format),
            _ => await RunRabbitBare(round, count),
        };
        var label = (round == 0 ? "warm-up" : $"round {round}") + (formats.Length > 1 ? $" {EventFormats.Name(format)}" : string.Empty);
        Console.WriteLine($"{label}: {count:N0} events in {result.Elapsed.TotalMilliseconds:N0} ms = {result.Rate:N0} events/s; delivered {result.Delivered:N0}, dropped {result.Dropped:N0}, failed {result.Failed:N0}, on the broker {result.OnBroker:N0}; managed heap peak {result.HeapPeak / 1048576.0:N1} MiB (max batch {result.MaxBatch}, parallelism {result.Parallelism})");
        if (result.OnBroker != count || result.Dropped != 0)
        {
            Console.Error.WriteLine($"{label}: expected {count:N0} events on the broker without drops");
            return 1;
        }

        if (round > 0)
        {
            rates[format].Add(result.Rate);
        }
    }
}

double? baseline = null;
foreach (var format in formats)
{
    var sorted = rates[format].Order().ToList();
    var median = sorted[sorted.Count / 2];
    baseline ??= median;
    var ratio = formats.Length > 1 ? $"; {median / baseline.Value:P1} of {EventFormats.Name(formats[0])} ({(1 - (median / baseline.Value)):P1} cost)" : string.Empty;
    Console.WriteLine($"{broker} {EventFormats.Name(format)} median: {median:N0} events/s over {rounds} rounds of {events:N0} (min {sorted[0]:N0}, max {sorted[^1]:N0}){ratio}");
}

Console.WriteLine($"process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MiB");
await system.Terminate();
return 0;

async Task<RoundResult> RunRedis(int round, int count, EventFormat format)
{
    var stream = $"oauth2:bench:{Guid.NewGuid():N}";
    var sinkOptions = new RedisEventSinkOptions { Url = url, Stream = stream, MaxLength = 100_000, Format = format, Source = new Uri("https://auth.example.com") };
    sinkOptions = sinkOptions with { MaxBatch = batch ?? sinkOptions.MaxBatch, Parallelism = parallelism ?? sinkOptions.Parallelism };
    await using var plugin = new RedisEventPlugin(sinkOptions);
    if (!RedisUrl.TryParse(url, out var redisConfig, out var problem))
    {
        throw new ArgumentException(problem);
    }

    await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfig);
    var database = redis.GetDatabase();
    try
    {
        var result = await Run($"{round}-{format}", count, plugin);
        // MAXLEN ~ keeps the stream near 100,000 entries; entries-added counts every XADD the stream ever took.
        var info = (RedisResult[])(await database.ExecuteAsync("XINFO", "STREAM", stream))!;
        var added = (long)info[Array.FindIndex(info, f => f.ToString() == "entries-added") + 1];
        return result with { OnBroker = added, MaxBatch = sinkOptions.MaxBatch, Parallelism = sinkOptions.Parallelism };
    }
    finally
    {
        await database.KeyDeleteAsync(stream);
    }
}

async Task<RoundResult> RunRabbit(int round, int count, EventFormat format)
{
    var exchange = $"oauth2.bench.{Guid.NewGuid():N}";
    var queue = exchange + ".q";
    var sinkOptions = new RabbitMqEventSinkOptions { Url = url, Exchange = exchange, Format = format, Source = new Uri("https://auth.example.com") };
    sinkOptions = sinkOptions with { MaxBatch = batch ?? sinkOptions.MaxBatch, Parallelism = parallelism ?? sinkOptions.Parallelism };
    var factory = new ConnectionFactory { Uri = new Uri(url) };
    await using var connection = await factory.CreateConnectionAsync();
    await using var channel = await connection.CreateChannelAsync();
    // A durable queue bound to everything: persistent messages go to disk before they are confirmed. Classic queue
    // version 2 (RabbitMQ 3.10+) is the cheaper on-disk format; the broker's single queue process is the bottleneck.
    await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
    await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-version"] = 2 });
    await channel.QueueBindAsync(queue, exchange, "#");
    try
    {
        await using var plugin = new RabbitMqEventPlugin(sinkOptions);
        var result = await Run($"{round}-{format}", count, plugin);
        var onBroker = await channel.MessageCountAsync(queue);
        return result with { OnBroker = onBroker, MaxBatch = sinkOptions.MaxBatch, Parallelism = sinkOptions.Parallelism };
    }
    finally
    {
        await channel.QueueDeleteAsync(queue);
        await channel.ExchangeDeleteAsync(exchange);
    }
}

async Task<RoundResult> RunRabbitBare(int round, int count)
{
    var exchangeType = options.GetValueOrDefault("exchange-type", ExchangeType.Topic);
    var exchange = $"oauth2.bench.{Guid.NewGuid():N}";
    var queue = exchange + ".q";
    var sinkOptions = new RabbitMqEventSinkOptions { Url = url, Exchange = exchange };
    sinkOptions = sinkOptions with { MaxBatch = batch ?? sinkOptions.MaxBatch, Parallelism = parallelism ?? sinkOptions.Parallelism };
    if (!sinkOptions.TryCreateFactory(out var factory, out var problem))
    {
        throw new ArgumentException(problem);
    }

    await using var plugin = new RabbitMqEventPlugin(sinkOptions);
    var envelope = new EventEnvelope(
        new AuthEvent(Guid.NewGuid().ToString(), EventType.TokenCreated, DateTimeOffset.UtcNow, EventSeverity.Info, null, "bench-client", metadata, null),
        null, context.TraceParent, null, context.CorrelationId, "bench", DateTimeOffset.UtcNow, new Dictionary<string, string> { ["source"] = "bench" });
    var body = EventJson.SerializeToUtf8(envelope);
    var properties = plugin.Properties(envelope);
    var routingKey = plugin.RoutingKey(envelope);

    await using var connection = await factory.CreateConnectionAsync();
    await using var admin = await connection.CreateChannelAsync();
    await admin.ExchangeDeclareAsync(exchange, exchangeType, durable: true, autoDelete: false);
    await admin.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-version"] = 2 });
    await admin.QueueBindAsync(queue, exchange, exchangeType == ExchangeType.Topic ? "#" : routingKey);
    var inFlight = sinkOptions.MaxBatch * sinkOptions.Parallelism;
    await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(
        publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
        outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(Math.Max(256, inFlight * 4))));
    try
    {
        GC.Collect();
        var watch = Stopwatch.StartNew();
        var next = 0;
        async Task Lane()
        {
            while (true)
            {
                var start = Interlocked.Add(ref next, sinkOptions.MaxBatch) - sinkOptions.MaxBatch;
                if (start >= count)
                {
                    return;
                }

                var size = Math.Min(sinkOptions.MaxBatch, count - start);
                var publishes = new Task[size];
                for (var i = 0; i < size; i++)
                {
                    publishes[i] = publisher.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body).AsTask();
                }

                await Task.WhenAll(publishes);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, sinkOptions.Parallelism).Select(_ => Lane()));
        watch.Stop();
        var onBroker = await admin.MessageCountAsync(queue);
        return new RoundResult(watch.Elapsed, count / watch.Elapsed.TotalSeconds, count, 0, 0, onBroker, GC.GetTotalMemory(false), sinkOptions.MaxBatch, sinkOptions.Parallelism);
    }
    finally
    {
        await admin.QueueDeleteAsync(queue);
        await admin.ExchangeDeleteAsync(exchange);
    }
}

async Task<RoundResult> Run(string round, int count, IEventPlugin plugin)
{
    var settings = new EventSettings { SinkBufferSize = buffer, PluginTimeout = TimeSpan.FromSeconds(10), Backends = [plugin.Name] };
    var actor = system.ActorOf(EventActor.Props(settings, TimeProvider.System, [plugin]), $"events-{plugin.Name}-{round}");
    try
    {
        // Connected and registered before the clock starts.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var health = await actor.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(10));
            if (health.Sinks.Count == 1 && health.Sinks[0].Healthy)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the {plugin.Name} sink did not become healthy");
            }

            await Task.Delay(50);
        }

        GC.Collect();
        var publisher = new EventPublisher(actor, TimeProvider.System, "bench");
        var window = buffer / 2;
        long heapPeak = 0;
        SinkHealth sink = null!;
        var watch = Stopwatch.StartNew();
        var published = 0;
        while (true)
        {
            sink = (await actor.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(10))).Sinks[0];
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
            var settled = sink.Delivered + sink.Dropped + sink.Failed;
            if (settled >= count)
            {
                break;
            }

            // Top the window up: at most `window` events outstanding, so nothing is dropped and memory stays bounded.
            var room = (int)Math.Min(count - published, window - (published - settled));
            for (var i = 0; i < room; i++)
            {
                publisher.Publish(EventType.TokenCreated, context, "bench-client", metadata: metadata);
            }

            published += Math.Max(0, room);
            await Task.Delay(room > 0 ? 1 : 2);
        }

        watch.Stop();
        return new RoundResult(watch.Elapsed, count / watch.Elapsed.TotalSeconds, sink.Delivered, sink.Dropped, sink.Failed, 0, heapPeak, 0, 0);
    }
    finally
    {
        await actor.GracefulStop(TimeSpan.FromSeconds(10));
    }
}

static int Int(Dictionary<string, string> options, string key, int fallback) =>
    options.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static string RedactUrl(string url) => RabbitMqEventSinkOptions.Redact(RedisUrl.Redact(url));

internal sealed record RoundResult(TimeSpan Elapsed, double Rate, long Delivered, long Dropped, long Failed, long OnBroker, long HeapPeak, int MaxBatch, int Parallelism);
