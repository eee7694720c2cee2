using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.EventLog;
using OAuth2.Actors.Server.Webhooks;
using OAuth2.Actors.Testing;

// Signed webhook deliveries per second to one endpoint on loopback. The endpoint is the tests' WebhookReceiver (real
// Kestrel on 127.0.0.1, answering 204); the engine's WebhookEndpointPlugin delivers as the durable sink's consumer drives
// it (EmitLoggedAsync): batches of its Options.MaxBatch, Options.Parallelism batches at a time, at most --in-flight requests in flight
// (OAUTH2_WEBHOOKS_MAX_IN_FLIGHT), with the real stores (SqlEventLogStore and SqlWebhookStore on SQLite in a temp
// directory: the attempts log is written as in the server). Each round measures, one after the other against the same
// receiver:
//   baseline  a plain HttpClient POSTing the same events' JSON, unsigned, --in-flight requests in flight
//   signed    the plugin delivering the same number of other events (signed per Standard Webhooks)
// Every round checks that the receiver counted exactly the events sent and that the plugin recorded no failure.
//
//   dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks.Webhooks -- --events 20000 --rounds 5
//
// Options: --events N per round and measure (20000), --rounds N (5), --in-flight N (64),
// --format envelope|cloudevents|cloudevents-structured (envelope).
var options = Options.Parse(args);
var inv = CultureInfo.InvariantCulture;
var directory = Path.Combine(Path.GetTempPath(), "oauth2-webhook-bench-" + Guid.NewGuid().ToString("N")[..12]);
Directory.CreateDirectory(directory);
var database = DatabaseSettings.From(new OAuth2Options { DataDirectory = directory });
var log = new SqlEventLogStore(database);
var store = new SqlWebhookStore(log, kek: null);
await using var receiver = await WebhookReceiver.Start(record: false);
var settings = new WebhookSettings
{
    AllowHttp = true,
    AllowPrivateNetworks = true,
    MaxInFlight = options.InFlight,
    RetrySchedule = [TimeSpan.FromSeconds(1)],
    EventSource = new Uri("https://bench.oauth2-actors.local"),
};
using var sinks = new WebhookSinks(settings, store, log, TimeProvider.System, NullLoggerFactory.Instance);
try
{
    await log.InitializeAsync(CancellationToken.None);
    await store.InitializeAsync(CancellationToken.None);
    var now = DateTimeOffset.UtcNow;
    var secret = WebhookSecret.Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    var endpoint = new WebhookEndpoint("wh_bench", receiver.Url(), [], options.Format, true, "benchmark", [new WebhookSecret(secret, now, null)], now, now, null, null, null);
    await store.CreateAsync(endpoint, CancellationToken.None);
    var plugin = (WebhookEndpointPlugin)(sinks.CreatePlugin(endpoint.SinkName) ?? throw new InvalidOperationException("no plugin for the endpoint"));
    await using var _ = plugin;

    var warmup = Math.Min(options.Events, 2000);
    var total = warmup * 2 + options.Rounds * options.Events * 2;
    var data = new LogData(total, 1000);
    var envelopes = new EventEnvelope[total];
    for (var i = 0; i < total; i++)
    {
        envelopes[i] = data.Envelope(i);
    }

    using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
    var url = new Uri(receiver.Url());
    Console.WriteLine($"# webhooks: one endpoint on loopback, {options.Events:N0} events per measure, {options.Rounds} rounds, at most {options.InFlight} in flight, format {EventFormats.Name(options.Format)}, plugin batches of {plugin.Options.MaxBatch} x {plugin.Options.Parallelism}, {Environment.ProcessorCount} cores");

    var next = 0;
    ArraySegment<EventEnvelope> Take(int n)
    {
        var segment = new ArraySegment<EventEnvelope>(envelopes, next, n);
        next += n;
        return segment;
    }

    await Baseline(Take(warmup));
    await Signed(Take(warmup));
    var baseline = new List<double>();
    var signed = new List<double>();
    for (var round = 1; round <= options.Rounds; round++)
    {
        var b = await Baseline(Take(options.Events));
        var s = await Signed(Take(options.Events));
        baseline.Add(b);
        signed.Add(s);
        Console.WriteLine($"round {round}: baseline {b.ToString("N0", inv)} requests/s, signed {s.ToString("N0", inv)} deliveries/s ({(s / b).ToString("P0", inv)})");
    }

    var medianBaseline = Median(baseline);
    var medianSigned = Median(signed);
    Console.WriteLine();
    Console.WriteLine("| measure | per second (median of rounds) | rounds |");
    Console.WriteLine("|---|---:|---|");
    Console.WriteLine($"| baseline: HttpClient, unsigned, {options.InFlight} in flight | {medianBaseline.ToString("N0", inv)} | {string.Join(", ", baseline.Select(v => v.ToString("N0", inv)))} |");
    Console.WriteLine($"| signed deliveries (WebhookEndpointPlugin, {EventFormats.Name(options.Format)}) | {medianSigned.ToString("N0", inv)} | {string.Join(", ", signed.Select(v => v.ToString("N0", inv)))} |");
    Console.WriteLine();
    Console.WriteLine($"signed / baseline: {(medianSigned / medianBaseline).ToString("P0", inv)}; target >= 5,000 signed deliveries/s: {(medianSigned >= 5000 ? "met" : "missed")}");
    var counters = plugin.Counters;
    Console.WriteLine("plugin counters: " + string.Join(", ", counters.Select(c => $"{c.Key}={c.Value}")));
    return medianSigned >= 5000 ? 0 : 1;

    async Task<double> Baseline(ArraySegment<EventEnvelope> events)
    {
        var before = receiver.Count;
        var index = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, options.InFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref index)) < events.Count)
            {
                using var content = new ByteArrayContent(EventJson.SerializeToUtf8(events[i]));
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync(url, content);
                if ((int)response.StatusCode != 204)
                {
                    throw new InvalidOperationException($"the receiver answered {(int)response.StatusCode}");
                }
            }
        });
        await Task.WhenAll(workers);
        var rate = events.Count / clock.Elapsed.TotalSeconds;
        Check(receiver.Count - before, events.Count, "baseline");
        return rate;
    }

    async Task<double> Signed(ArraySegment<EventEnvelope> events)
    {
        var before = receiver.Count;
        var delivered = plugin.Counters["delivered"];
        var failed = plugin.Counters["failed_attempts"];
        // As the consumer hands them over: each event with its log position (recorded with its attempt).
        var batches = events.Select((e, i) => new OAuth2.Actors.Events.Log.LoggedEvent(events.Offset + i + 1, e.ProducedAt, e)).Chunk(plugin.Options.MaxBatch).ToArray();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = plugin.Options.Parallelism },
            async (batch, token) => await plugin.EmitLoggedAsync(batch, token));
        var rate = events.Count / clock.Elapsed.TotalSeconds;
        Check(receiver.Count - before, events.Count, "signed");
        Check(plugin.Counters["delivered"] - delivered, events.Count, "signed (the plugin's delivered counter)");
        Check(plugin.Counters["failed_attempts"] - failed, 0, "signed (failed attempts)");
        return rate;
    }
}
finally
{
    SqliteDirectory.Delete(directory);
}

static void Check(long got, long wanted, string what)
{
    if (got != wanted)
    {
        throw new InvalidOperationException($"{what}: {got} requests where {wanted} were sent");
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

internal static class SqliteDirectory
{
    public static void Delete(string directory)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            Console.Error.WriteLine($"could not remove {directory}");
        }
    }
}

internal sealed record Options(int Events, int Rounds, int InFlight, EventFormat Format)
{
    public static Options Parse(string[] args)
    {
        var options = new Options(20000, 5, 64, EventFormat.Envelope);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--events" => options with { Events = Positive(args[i], value) },
                "--rounds" => options with { Rounds = Positive(args[i], value) },
                "--in-flight" => options with { InFlight = Positive(args[i], value) },
                "--format" => options with { Format = EventFormats.TryParse(value, out var f) ? f : throw new ArgumentException($"--format: unknown format {value}") },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
            i++;
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name}: not a positive number: {value}");
}
