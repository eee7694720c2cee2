using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Events.Log;
using Xunit.Abstractions;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>GET /events reads the durable log: paging with the cursor, filters combined with paging, GET /events/{id}.</summary>
public sealed class EventLogPagingTests(ITestOutputHelper output) : EventLogHostTests
{
    private static readonly DateTimeOffset Epoch = new(2021, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Paging_through_100000_events_with_the_cursor_must_return_each_exactly_once_in_order_both_ways()
    {
        await using var host = await Start(QuietLog);
        var sent = await Fill(host, 100_000);

        var asc = Ids(await host.AllEvents("order=asc&limit=1000", pages: n => output.WriteLine($"asc: {n} pages")));
        var desc = Ids(await host.AllEvents("order=desc&limit=1000"));

        AssertEachOnce(asc, "ascending");
        AssertEachOnce(desc, "descending");
        Assert.True(sent.All(s => asc.Contains(s.Id)), "an event sent is missing from the ascending pages");
        AssertInSendOrder(sent, asc);
        // The log is quiet (no traffic of the server's own reaches it): both directions hold the same events, mirrored.
        Assert.Equal(asc, desc.AsEnumerable().Reverse().ToArray());
    }

    [Fact]
    public async Task Paging_must_return_exactly_the_filtered_events_each_once_for_combined_filters()
    {
        await using var host = await Start(QuietLog);
        var sent = await Fill(host, 3_000, forceIngest: true);
        var from = Epoch.AddSeconds(500);
        var to = Epoch.AddSeconds(2_500);

        (string Query, Func<Sent, bool> Match)[] cases =
        [
            ("event_type=user_logout&event_type=token_revoked&client_id=c3", s => s.Type is "user_logout" or "token_revoked" && s.Client == "c3"),
            ($"severity=critical&from={Rfc3339(from)}&to={Rfc3339(to)}", s => s.Severity == "critical" && s.Timestamp >= from && s.Timestamp < to),
            ($"user_id=u7&event_type=user_authenticated&from={Rfc3339(from)}", s => s.User == "u7" && s.Type == "user_authenticated" && s.Timestamp >= from),
            ($"client_id=c1&to={Rfc3339(to)}", s => s.Client == "c1" && s.Timestamp < to),
        ];

        foreach (var (query, match) in cases)
        {
            var expected = sent.Where(match).Select(s => s.Id).ToHashSet();
            Assert.True(expected.Count > 20, $"{query}: the data must give the filter something to page through ({expected.Count})");
            var pages = 0;
            var asc = Ids(await host.AllEvents($"{query}&order=asc&limit=7", pages: n => pages = n));
            var desc = Ids(await host.AllEvents($"{query}&order=desc&limit=13"));

            AssertEachOnce(asc, query);
            Assert.True(expected.SetEquals(asc), $"{query}: {asc.Length} events, {expected.Count} expected");
            Assert.Equal(asc, desc.AsEnumerable().Reverse().ToArray());
            Assert.Equal((expected.Count + 6) / 7, pages);
            AssertInSendOrder(sent.Where(match).ToArray(), asc);
        }
    }

    [Fact]
    public async Task Events_by_id_must_return_the_logged_event_and_404_for_an_unknown_id()
    {
        await using var host = await Start([]);
        var id = NewId("by-id");
        await IngestAccepted(host, Envelope(id, "user_logout", "warning", clientId: "c-by-id", timestamp: Epoch));

        var (status, body) = await host.EventById(id);

        Assert.True(status == HttpStatusCode.OK, $"GET /events/{id} answered {(int)status}: {body}");
        var envelope = body!.Value.TryGetProperty("event", out _) ? body.Value : body.Value.GetProperty("envelope");
        Assert.Equal(id, envelope.Id());
        Assert.Equal("user_logout", envelope.Type());
        Assert.Equal("warning", envelope.Severity());
        Assert.Equal("c-by-id", envelope.ClientId());
        Assert.Equal(Epoch, envelope.Timestamp());
        Assert.Equal("ingest", envelope.Attribute("source"));

        var (missing, problem) = await host.EventById(NewId("never-logged"));
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(404, problem!.Value.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Events_must_answer_400_for_a_cursor_that_is_not_one_of_ours()
    {
        await using var host = await Start([]);

        foreach (var cursor in new[] { "not-a-cursor", "%00", new string('9', 400) })
        {
            using var response = await host.GetEvents("cursor=" + Uri.EscapeDataString(cursor), await host.AdminToken());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    // ---- the data -----------------------------------------------------------------------------------------------

    /// <summary>One event sent: its fields, and its chain (events of one chain are appended in the order sent).</summary>
    private sealed record Sent(string Id, string Type, string Severity, string Client, string User, DateTimeOffset Timestamp, int Chain, int Index);

    /// <summary>
    /// <paramref name="count"/> events of several types, clients, users and severities, timestamps one second apart.
    /// Written straight into the host's log store (its IEventLogStore, in batches, one chain) when the host exposes it
    /// and <paramref name="forceIngest"/> is false, else through POST /events/ingest by 16 producers in parallel.
    /// </summary>
    private async Task<IReadOnlyList<Sent>> Fill(TestHost host, int count, bool forceIngest = false)
    {
        var store = forceIngest ? null : host.Services.GetService<IEventLogStore>();
        const int producers = 16;
        var sent = Enumerable.Range(0, count).Select(i => new Sent(
            $"page-{i:D6}-{Guid.NewGuid():N}",
            QuietTypes[i % QuietTypes.Length],
            i % 50 == 0 ? "critical" : i % 5 == 0 ? "warning" : "info",
            "c" + (i % 10),
            "u" + (i % 11),
            Epoch.AddSeconds(i),
            store is null ? i % producers : 0,
            i)).ToArray();

        var clock = Stopwatch.StartNew();
        if (store is not null)
        {
            foreach (var batch in sent.Chunk(5_000))
            {
                await store.AppendAsync(batch.Select(s => new LogAppend(ToEnvelope(s))).ToArray(), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), CancellationToken.None);
            }
        }
        else
        {
            await IngestInParallel(host, sent.Select(s => Envelope(s.Id, s.Type, s.Severity, s.Client, s.Timestamp, s.User)).ToArray(), producers);
        }

        output.WriteLine($"filled {count:N0} events {(store is null ? $"through POST /events/ingest ({producers} producers)" : "through the host's IEventLogStore")} in {clock.Elapsed.TotalSeconds:N1} s");
        return sent;
    }

    private static EventEnvelope ToEnvelope(Sent s) => new(
        new AuthEvent(s.Id, Parse(s.Type), s.Timestamp, Enum.Parse<EventSeverity>(s.Severity, ignoreCase: true), s.User, s.Client, new Dictionary<string, string> { ["n"] = s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null),
        null,
        null,
        null,
        null,
        "paging-test",
        s.Timestamp,
        new Dictionary<string, string> { ["source"] = "test" });

    private static EventType Parse(string name) => EventTypeNames.TryParse(name, out var type) ? type : throw new ArgumentException(name);

    private static string[] Ids(IReadOnlyList<JsonElement> events) => events.Select(e => e.Id()!).ToArray();

    private static void AssertEachOnce(IReadOnlyList<string> ids, string what)
    {
        var twice = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToArray();
        Assert.True(twice.Length == 0, $"{what}: returned more than once: {string.Join(", ", twice)}");
    }

    /// <summary>Ascending pages list the events of each chain in the order they were sent (appended).</summary>
    private static void AssertInSendOrder(IReadOnlyList<Sent> sent, IReadOnlyList<string> asc)
    {
        var rank = new Dictionary<string, int>(asc.Count);
        for (var i = 0; i < asc.Count; i++)
        {
            rank[asc[i]] = i;
        }

        foreach (var chain in sent.GroupBy(s => s.Chain))
        {
            var ranks = chain.OrderBy(s => s.Index).Select(s => rank[s.Id]).ToArray();
            for (var i = 1; i < ranks.Length; i++)
            {
                Assert.True(ranks[i] > ranks[i - 1], $"chain {chain.Key}: an event came before one appended earlier (page rank {ranks[i]} after {ranks[i - 1]})");
            }
        }
    }
}
