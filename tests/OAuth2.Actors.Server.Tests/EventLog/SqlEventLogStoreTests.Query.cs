using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>History pages: each filter alone and combined, both orders, and paging that returns every match once.</summary>
public sealed class SqlEventLogStoreQueryTests : IAsyncLifetime
{
    private const int Count = 3_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly EventType[] Types = [EventType.TokenCreated, EventType.TokenValidated, EventType.UserAuthenticated, EventType.ClientDeleted];

    private TestEventLog _log = null!;
    private List<LoggedEvent> _all = null!;

    public async Task InitializeAsync()
    {
        _log = await TestEventLog.Create();
        // A varied log: 4 types, 7 clients (and none), 11 users (and none), every 10th not info, timestamps one second
        // apart but not in append order (one in 5 is a late arrival from an hour earlier).
        var envelopes = Enumerable.Range(0, Count).Select(i => TestEventLog.Envelope(
            Types[i % Types.Length],
            i % 8 == 7 ? null : $"client-{i % 7}",
            i % 12 == 11 ? null : $"user-{i % 11}",
            i % 10 == 9 ? (EventSeverity)(1 + (i % 3)) : EventSeverity.Info,
            TestEventLog.Start.AddSeconds(i % 5 == 2 ? i - 3_600 : i))).ToList();
        foreach (var batch in envelopes.Chunk(700))
        {
            await TestEventLog.Append(_log.Store, batch);
        }

        _all = (await _log.Store.ReadAsync(0, Count, null, None)).ToList();
        Assert.Equal(Count, _all.Count);
    }

    public async Task DisposeAsync() => await _log.DisposeAsync();

    public static TheoryData<string> Filters => new()
    {
        "none", "type", "types", "client", "user", "severity", "severity-info", "from", "to", "from-to",
        "type+client", "types+user", "client+user+severity", "types+client+user+from-to", "all",
    };

    private static EventLogQuery Filter(string name)
    {
        var from = TestEventLog.Start.AddSeconds(500);
        var to = TestEventLog.Start.AddSeconds(2_500);
        return name switch
        {
            "none" => new EventLogQuery(),
            "type" => new EventLogQuery(Types: [EventType.UserAuthenticated]),
            "types" => new EventLogQuery(Types: [EventType.TokenValidated, EventType.ClientDeleted]),
            "client" => new EventLogQuery(ClientId: "client-3"),
            "user" => new EventLogQuery(UserId: "user-5"),
            "severity" => new EventLogQuery(Severity: EventSeverity.Error),
            "severity-info" => new EventLogQuery(Severity: EventSeverity.Info),
            "from" => new EventLogQuery(From: from),
            "to" => new EventLogQuery(To: to),
            "from-to" => new EventLogQuery(From: from, To: to),
            "type+client" => new EventLogQuery(Types: [EventType.TokenCreated], ClientId: "client-2"),
            "types+user" => new EventLogQuery(Types: [EventType.TokenCreated, EventType.UserAuthenticated], UserId: "user-4"),
            "client+user+severity" => new EventLogQuery(ClientId: "client-5", UserId: "user-9", Severity: EventSeverity.Error),
            "types+client+user+from-to" => new EventLogQuery(Types: [EventType.TokenValidated, EventType.TokenCreated], ClientId: "client-4", UserId: "user-1", From: from, To: to),
            "all" => new EventLogQuery([EventType.TokenValidated], "client-6", "user-2", EventSeverity.Critical, from, to),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    private static bool Matches(EventLogQuery q, LoggedEvent logged)
    {
        var e = logged.Envelope.Event;
        return (q.Types is null || q.Types.Contains(e.EventType))
            && (q.ClientId is null || e.ClientId == q.ClientId)
            && (q.UserId is null || e.UserId == q.UserId)
            && (q.Severity is null || e.Severity == q.Severity)
            && (q.From is null || e.Timestamp >= q.From)
            && (q.To is null || e.Timestamp < q.To);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Paging_newest_first_must_return_every_match_once_in_descending_position_order(string filter)
    {
        var query = Filter(filter);
        var expected = _all.Where(e => Matches(query, e)).Select(e => e.Position).Reverse().ToList();
        Assert.NotEmpty(expected);

        Assert.Equal(expected, await PageThrough(query with { Limit = 97 }));
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Paging_oldest_first_must_return_every_match_once_in_ascending_position_order(string filter)
    {
        var query = Filter(filter) with { Order = LogOrder.Ascending, Limit = 250 };
        var expected = _all.Where(e => Matches(query, e)).Select(e => e.Position).ToList();

        Assert.Equal(expected, await PageThrough(query));
    }

    [Fact]
    public async Task A_page_must_hold_at_most_the_limit_capped_at_1000_and_name_no_next_page_when_it_is_the_last()
    {
        var big = await _log.Store.QueryAsync(new EventLogQuery(Limit: 5_000), None);
        Assert.Equal(1_000, big.Events.Count);
        Assert.Equal(_all[^1_000].Position, big.Next);

        var exact = await _log.Store.QueryAsync(new EventLogQuery(Types: [EventType.UserAuthenticated], Limit: Count / 4), None);
        Assert.Equal(Count / 4, exact.Events.Count);
        Assert.Null(exact.Next);

        var one = await _log.Store.QueryAsync(new EventLogQuery(Limit: 0), None);
        Assert.Equal(Count, Assert.Single(one.Events).Position);
    }

    [Fact]
    public async Task From_must_be_inclusive_and_to_exclusive_on_the_event_timestamp()
    {
        var at = TestEventLog.Start.AddSeconds(1_000);
        var page = await _log.Store.QueryAsync(new EventLogQuery(From: at, To: at.AddSeconds(2)), None);

        Assert.Equal(
            [TestEventLog.Start.AddSeconds(1_001), at],
            page.Events.Select(e => e.Envelope.Event.Timestamp));
    }

    private async Task<List<long>> PageThrough(EventLogQuery query)
    {
        var positions = new List<long>();
        var page = await _log.Store.QueryAsync(query, None);
        positions.AddRange(page.Events.Select(e => e.Position));
        for (var pages = 0; page.Next is { } next; pages++)
        {
            Assert.True(pages < Count, "paging did not end");
            Assert.Equal(query.Limit, page.Events.Count);
            page = await _log.Store.QueryAsync(query with { After = next }, None);
            positions.AddRange(page.Events.Select(e => e.Position));
        }

        return positions;
    }
}
