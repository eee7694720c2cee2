using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.EventLog;
using SQLitePCL;

/// <summary>
/// What one event costs to append on SQLite, and how much of it is SQLite's own: the store's append
/// (<see cref="SqlEventLogStore.AppendAsync"/>) against bare prepared inserts of the same rows into the same schema, without
/// the history indexes, and without the envelope. The rows are the token endpoint's (one client, no user,
/// <c>client_validated</c> and <c>token_created</c> in turn); each variant has a fresh database, the variants alternate
/// in every round, and the figure is the median over rounds of the process's CPU time per event.
/// </summary>
/// <remarks><c>dotnet run -c Release --project bench/OAuth2.Actors.Benchmarks.EventLog -- --floor [--events N] [--batch N] [--rounds N]</c></remarks>
internal static class Floor
{
    public static async Task RunAsync(string[] args)
    {
        int events = 100_000, batch = 100, rounds = 5;
        for (var i = 0; i < args.Length; i++)
        {
            var value = int.Parse(args[++i], CultureInfo.InvariantCulture);
            _ = args[i - 1] switch
            {
                "--events" => events = value,
                "--batch" => batch = value,
                "--rounds" => rounds = value,
                _ => throw new ArgumentException($"unknown option {args[i - 1]}"),
            };
        }

        var variants = new (string Name, Func<string, IReadOnlyList<EventEnvelope>, int, Task> Run)[]
        {
            ("store (SqlEventLogStore.AppendAsync)", Store),
            ("bare insert, same schema and indexes", (d, e, b) => Bare(d, e, b, indexes: true, envelope: true)),
            ("bare insert, no history indexes", (d, e, b) => Bare(d, e, b, indexes: false, envelope: true)),
            ("bare insert, indexes, no envelope", (d, e, b) => Bare(d, e, b, indexes: true, envelope: false)),
        };
        var perEvent = variants.ToDictionary(v => v.Name, _ => new List<double>());
        Console.WriteLine($"# append cost per event on SQLite: {events:N0} events per variant and round, batches of {batch}, {rounds} rounds, {Environment.ProcessorCount} cores");
        for (var round = 1; round <= rounds; round++)
        {
            var ordered = round % 2 == 1 ? variants : variants.Reverse().ToArray();
            foreach (var (name, run) in ordered)
            {
                var envelopes = TokenEvents(events);
                var directory = Path.Combine(Path.GetTempPath(), "oauth2-eventlog-floor-" + Guid.NewGuid().ToString("N")[..12]);
                Directory.CreateDirectory(directory);
                try
                {
                    GC.Collect();
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    await run(directory, envelopes, batch);
                    var us = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / events;
                    perEvent[name].Add(us);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {name}: {us:0.00} us CPU per event"));
                }
                finally
                {
                    SqliteConnection.ClearAllPools();
                    Directory.Delete(directory, true);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| variant | us CPU per event (median) | rounds |");
        Console.WriteLine("|---|---:|---|");
        foreach (var (name, _) in variants)
        {
            var sorted = perEvent[name].Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {sorted[sorted.Count / 2]:0.00} | {string.Join(", ", perEvent[name].Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))} |"));
        }
    }

    /// <summary>What the token endpoint publishes: client_validated then token_created, for one client, as EventPublisher builds them.</summary>
    private static List<EventEnvelope> TokenEvents(int count)
    {
        var start = DateTimeOffset.UtcNow;
        var list = new List<EventEnvelope>(count);
        for (var i = 0; i < count; i++)
        {
            var at = start.AddTicks(i * 100);
            var created = i % 2 == 1;
            var metadata = created
                ? new Dictionary<string, string> { ["jti"] = Guid.NewGuid().ToString("N"), ["scope"] = "read write", ["token_type"] = "access_token", ["grant_type"] = "client_credentials", ["expires_in"] = "3600" }
                : new Dictionary<string, string> { ["auth_method"] = "client_secret_basic", ["success"] = "true" };
            list.Add(new EventEnvelope(
                new AuthEvent(EventPublisher.NewEventId(at), created ? EventType.TokenCreated : EventType.ClientValidated, at, EventSeverity.Info, null, "bench-client", metadata, null),
                null,
                $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-00",
                null,
                Guid.NewGuid().ToString(),
                "oauth2-actors",
                at,
                new Dictionary<string, string> { ["source"] = "http", ["remote_address"] = "127.0.0.1" }));
        }

        return list;
    }

    private static async Task Store(string directory, IReadOnlyList<EventEnvelope> envelopes, int batch)
    {
        await using var store = new SqlEventLogStore(DatabaseSettings.From(new OAuth2Options { DataDirectory = directory }));
        await store.InitializeAsync(CancellationToken.None);
        foreach (var chunk in envelopes.Chunk(batch))
        {
            await store.AppendAsync(chunk.Select(e => new LogAppend(e)).ToList(), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10), CancellationToken.None);
        }
    }

    /// <summary>The log's table (made by the store itself), filled by one prepared statement per row in transactions of <paramref name="batch"/>.</summary>
    private static async Task Bare(string directory, IReadOnlyList<EventEnvelope> envelopes, int batch, bool indexes, bool envelope)
    {
        await using (var store = new SqlEventLogStore(DatabaseSettings.From(new OAuth2Options { DataDirectory = directory })))
        {
            await store.InitializeAsync(CancellationToken.None);
        }

        await using var connection = new SqliteConnection(SqliteEventLogDialect.ConnectionStringFor(new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "oauth2.db") }.ToString()));
        connection.Open();
        Execute(connection, SqliteEventLogDialect.WriterPragmas);
        if (!indexes)
        {
            foreach (var index in new[] { "event_id", "kind", "client", "user", "late" })
            {
                Execute(connection, $"DROP INDEX IF EXISTS {EventLogDialect.Log}_{index}");
            }
        }

        var db = connection.Handle!;
        raw.sqlite3_prepare_v2(db, $"INSERT INTO {EventLogDialect.Log} ({EventLogRow.Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", out var insert);
        using (insert)
        {
            var json = new ArrayBufferWriter<byte>(4096);
            long position = 0;
            foreach (var chunk in envelopes.Chunk(batch))
            {
                Execute(connection, "BEGIN IMMEDIATE");
                foreach (var e in chunk)
                {
                    json.ResetWrittenCount();
                    if (envelope)
                    {
                        EventJson.SerializeTo(e, json);
                    }

                    raw.sqlite3_bind_int64(insert, 1, ++position);
                    raw.sqlite3_bind_text(insert, 2, e.Event.Id);
                    raw.sqlite3_bind_int(insert, 3, (int)e.Event.EventType);
                    raw.sqlite3_bind_int(insert, 4, (int)e.Event.Severity);
                    raw.sqlite3_bind_text(insert, 5, e.Event.ClientId);
                    raw.sqlite3_bind_null(insert, 6);
                    raw.sqlite3_bind_int64(insert, 7, e.Event.Timestamp.ToUnixTimeMilliseconds());
                    raw.sqlite3_bind_int64(insert, 8, e.Event.Timestamp.ToUnixTimeMilliseconds());
                    raw.sqlite3_bind_text(insert, 9, envelope ? json.WrittenSpan : "{}"u8);
                    if (raw.sqlite3_step(insert) != raw.SQLITE_DONE)
                    {
                        throw new InvalidOperationException(raw.sqlite3_errmsg(db).utf8_to_string());
                    }

                    raw.sqlite3_reset(insert);
                }

                Execute(connection, "COMMIT");
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
