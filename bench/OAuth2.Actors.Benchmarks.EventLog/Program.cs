using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.EventLog;

// The durable event log's store (SqlEventLogStore) on one database: append throughput with batches of --batch events
// (median of rounds, each round --round-events events, while the log fills to --events), memory while appending, then
// the latency of each GET /events-like query over the full log (median of --runs runs after 3 unrecorded ones).
//
//   dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks.EventLog -- --database sqlite
//   dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks.EventLog -- --database postgres --url postgres://postgres@127.0.0.1:5432/postgres
//
// Options: --events N (1000000), --batch N (1000), --round-events N (100000), --runs N (21), --bulk copy|unnest
// (PostgreSQL insert: binary COPY or one INSERT ... SELECT FROM unnest(arrays)), --analyze (ANALYZE before querying),
// --keep (SQLite: leave the database file in place and print where).
// PostgreSQL: a database of its own (oauth2_bench_<random>) is created through --url and dropped at the end.
//
// With --floor first: what one of the token endpoint's events costs to append on SQLite, the store against bare
// inserts (Floor.cs).
if (args is ["--floor", ..])
{
    await Floor.RunAsync(args[1..]);
    return;
}

var options = Options.Parse(args);
var inv = CultureInfo.InvariantCulture;
string? benchDatabase = null;
string? directory = null;
DatabaseSettings database;
if (options.Database == "postgres")
{
    var admin = options.Url ?? throw new ArgumentException("--url is required with --database postgres");
    benchDatabase = "oauth2_bench_" + Guid.NewGuid().ToString("N")[..12];
    await Admin(admin, $"CREATE DATABASE \"{benchDatabase}\"");
    database = DatabaseSettings.From(new OAuth2Options { DatabaseUrl = new UriBuilder(admin) { Path = "/" + benchDatabase }.Uri.ToString() });
}
else
{
    directory = Path.Combine(Path.GetTempPath(), "oauth2-eventlog-bench-" + Guid.NewGuid().ToString("N")[..12]);
    Directory.CreateDirectory(directory);
    database = DatabaseSettings.From(new OAuth2Options { DataDirectory = directory });
}

var store = new SqlEventLogStore(database);
try
{
    store.UsePostgresBulkInsert(options.Bulk == "unnest" ? PostgresEventLogDialect.BulkInsert.Unnest : PostgresEventLogDialect.BulkInsert.Copy);
    await store.InitializeAsync(CancellationToken.None);
    Console.WriteLine($"# event log: {options.Database}{(options.Database == "postgres" ? $" ({options.Bulk})" : string.Empty)}, {options.Events:N0} events, batches of {options.Batch:N0}, {Environment.ProcessorCount} cores");

    var data = new LogData(options.Events, options.Batch);
    var now = DateTimeOffset.UtcNow;
    var rates = new List<double>();
    long peakHeap = 0, peakWorkingSet = 0;
    var appended = 0;
    var roundClock = Stopwatch.StartNew();
    var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    var cpuRates = new List<double>();
    var roundStart = 0;
    while (appended < options.Events)
    {
        var size = Math.Min(options.Batch, options.Events - appended);
        var batch = new List<LogAppend>(size);
        for (var i = 0; i < size; i++)
        {
            batch.Add(new LogAppend(data.Envelope(appended + i)));
        }

        // Appended at the events' own times, so the purge and PositionAt see a log that grew over 30 days.
        await store.AppendAsync(batch, data.AppendedAt(appended + size - 1), TimeSpan.FromMinutes(10), CancellationToken.None);
        appended += size;
        peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
        peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
        if (appended - roundStart >= options.RoundEvents || appended == options.Events)
        {
            var rate = (appended - roundStart) / roundClock.Elapsed.TotalSeconds;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var cpuRate = (appended - roundStart) / (cpu - cpuStart).TotalSeconds;
            cpuStart = cpu;
            rates.Add(rate);
            cpuRates.Add(cpuRate);
            Console.WriteLine($"append round {rates.Count}: events {roundStart + 1:N0}-{appended:N0}: {rate:N0} events/s ({cpuRate:N0} per CPU-second of this process)");
            roundStart = appended;
            roundClock.Restart();
        }
    }

    var sorted = rates.Order().ToList();
    var cpuSorted = cpuRates.Order().ToList();
    Console.WriteLine($"APPEND median {sorted[sorted.Count / 2]:N0} events/s (min {sorted[0]:N0}, max {sorted[^1]:N0}, {rates.Count} rounds; median {cpuSorted[cpuSorted.Count / 2]:N0} per CPU-second of the process); peak managed heap {peakHeap / 1048576.0:N0} MiB, peak working set {peakWorkingSet / 1048576.0:N0} MiB");
    Console.WriteLine($"database size: {await Size(database, directory):N0} MiB{(options.Keep && directory is not null ? $" (kept in {directory})" : string.Empty)}");

    // A purge run that finds nothing past retention: on SQLite it ends with the store's statistics refresh (PRAGMA
    // optimize), as every node's purge does once a minute; PostgreSQL's autovacuum analyzes by itself.
    await store.PurgeAsync(LogData.Begin.AddDays(-1), 1_000, CancellationToken.None);
    if (options.Analyze)
    {
        await Analyze(database);
    }

    var queries = data.Queries(store);
    Console.WriteLine();
    Console.WriteLine("| query | rows | median ms | max ms |");
    Console.WriteLine("|---|---:|---:|---:|");
    foreach (var (name, run) in queries)
    {
        var rows = 0;
        for (var i = 0; i < 3; i++)
        {
            rows = await run();
        }

        var times = new List<double>();
        for (var i = 0; i < options.Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(inv, $"| {name} | {rows} | {times[times.Count / 2]:0.00} | {times[^1]:0.00} |"));
    }
}
finally
{
    await store.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    NpgsqlConnection.ClearAllPools();
    if (benchDatabase is not null)
    {
        await Admin(options.Url!, $"DROP DATABASE IF EXISTS \"{benchDatabase}\" WITH (FORCE)");
    }

    if (directory is not null && !options.Keep)
    {
        Directory.Delete(directory, true);
    }
}

return;

static async Task Admin(string url, string sql)
{
    await using var connection = new NpgsqlConnection(DatabaseSettings.From(new OAuth2Options { DatabaseUrl = url }).ConnectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task<double> Size(DatabaseSettings database, string? directory)
{
    if (directory is not null)
    {
        return Directory.GetFiles(directory, "oauth2-events.db*").Sum(f => new FileInfo(f).Length) / 1048576.0;
    }

    await using var connection = database.CreateConnection();
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = "SELECT pg_database_size(current_database())";
    return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) / 1048576.0;
}

static async Task Analyze(DatabaseSettings database)
{
    await using var connection = database.IsSqlite
        ? new Microsoft.Data.Sqlite.SqliteConnection(SqliteEventLogDialect.ConnectionStringFor(database.ConnectionString))
        : database.CreateConnection();
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = "ANALYZE";
    command.CommandTimeout = 600;
    await command.ExecuteNonQueryAsync();
    Console.WriteLine("ANALYZE done");
}

internal sealed record Options(string Database, string? Url, int Events, int Batch, int RoundEvents, int Runs, string Bulk, bool Analyze, bool Keep)
{
    public static Options Parse(string[] args)
    {
        var o = new Options("sqlite", null, 1_000_000, 1_000, 100_000, 21, "copy", false, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--database" => o with { Database = Next() },
                "--url" => o with { Url = Next() },
                "--events" => o with { Events = Int() },
                "--batch" => o with { Batch = Int() },
                "--round-events" => o with { RoundEvents = Int() },
                "--runs" => o with { Runs = Int() },
                "--bulk" => o with { Bulk = Next() },
                "--analyze" => o with { Analyze = true },
                "--keep" => o with { Keep = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return o;
    }
}
