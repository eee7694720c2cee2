namespace OAuth2.Actors.Core.Tests;

public class EventInMemoryPluginTests
{
    private static async Task<InMemoryEventPlugin> StoreWith(int capacity, params EventEnvelope[] envelopes)
    {
        var store = new InMemoryEventPlugin(capacity);
        foreach (var envelope in envelopes)
        {
            await store.EmitAsync(envelope, CancellationToken.None);
        }

        return store;
    }

    private static string[] Ids(IEnumerable<EventEnvelope> envelopes) => envelopes.Select(e => e.Event.Id).ToArray();

    [Fact]
    public async Task InMemoryPlugin_must_be_named_in_memory_and_healthy()
    {
        var store = await StoreWith(1);

        Assert.Equal(EventBackends.InMemory, store.Name);
        Assert.True(await store.HealthCheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task InMemoryPlugin_must_keep_the_newest_events_and_evict_the_oldest_first()
    {
        var store = await StoreWith(3, Enumerable.Range(1, 5).Select(i => Envelope(EventType.TokenCreated, id: "e" + i)).ToArray());

        Assert.Equal(3, store.Count);
        Assert.Equal(["e5", "e4", "e3"], Ids(store.Query(new EventQuery())));
    }

    [Fact]
    public async Task InMemoryPlugin_must_stay_bounded_under_concurrent_writes()
    {
        var store = new InMemoryEventPlugin(100);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                await store.EmitAsync(Envelope(EventType.TokenValidated, id: $"w{w}-{i}"), CancellationToken.None);
            }
        })));

        Assert.Equal(100, store.Count);
        Assert.Equal(100, store.Query(new EventQuery(Limit: 1000)).Count);
    }

    [Fact]
    public async Task Query_must_answer_newest_first_up_to_the_limit()
    {
        var store = await StoreWith(100, Enumerable.Range(1, 10).Select(i => Envelope(EventType.TokenCreated, id: "e" + i)).ToArray());

        Assert.Equal(["e10", "e9", "e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1"], Ids(store.Query(new EventQuery())));
        Assert.Equal(["e10", "e9", "e8"], Ids(store.Query(new EventQuery(Limit: 3))));
        Assert.Empty(store.Query(new EventQuery(Limit: 0)));
    }

    [Fact]
    public async Task Query_must_default_to_at_most_100_events()
    {
        var store = await StoreWith(1000, Enumerable.Range(1, 150).Select(i => Envelope(EventType.TokenCreated, id: "e" + i)).ToArray());

        var found = store.Query(new EventQuery());

        Assert.Equal(100, found.Count);
        Assert.Equal("e150", found[0].Event.Id);
        Assert.Equal("e51", found[^1].Event.Id);
    }

    [Fact]
    public async Task Query_must_filter_by_event_type()
    {
        var store = await StoreWith(
            100,
            Envelope(EventType.TokenCreated, id: "c1"),
            Envelope(EventType.TokenRevoked, id: "r1"),
            Envelope(EventType.TokenCreated, id: "c2"),
            Envelope(EventType.ClientRegistered, id: "g1"));

        Assert.Equal(["c2", "c1"], Ids(store.Query(new EventQuery(EventType.TokenCreated))));
        Assert.Equal(["r1"], Ids(store.Query(new EventQuery(EventType.TokenRevoked))));
        Assert.Empty(store.Query(new EventQuery(EventType.UserLogout)));
    }

    [Fact]
    public async Task Query_must_filter_by_client_id_and_user_id()
    {
        var store = await StoreWith(
            100,
            Envelope(EventType.TokenCreated, id: "1", clientId: "billing"),
            Envelope(EventType.TokenCreated, id: "2", clientId: "billing", userId: "alice"),
            Envelope(EventType.TokenCreated, id: "3", clientId: "reports", userId: "alice"),
            Envelope(EventType.TokenCreated, id: "4", userId: "bob"),
            Envelope(EventType.TokenCreated, id: "5", clientId: "Billing"));

        Assert.Equal(["2", "1"], Ids(store.Query(new EventQuery(ClientId: "billing"))));
        Assert.Equal(["3", "2"], Ids(store.Query(new EventQuery(UserId: "alice"))));
        Assert.Equal(["2"], Ids(store.Query(new EventQuery(ClientId: "billing", UserId: "alice"))));
        Assert.Equal(["4"], Ids(store.Query(new EventQuery(UserId: "bob"))));
        Assert.Empty(store.Query(new EventQuery(ClientId: "nobody")));
    }

    [Fact]
    public async Task Query_must_filter_by_since_inclusively()
    {
        var store = await StoreWith(
            100,
            Envelope(EventType.TokenCreated, id: "t0", timestamp: Start),
            Envelope(EventType.TokenCreated, id: "t1", timestamp: Start.AddSeconds(1)),
            Envelope(EventType.TokenCreated, id: "t2", timestamp: Start.AddSeconds(2)));

        Assert.Equal(["t2", "t1"], Ids(store.Query(new EventQuery(Since: Start.AddSeconds(1)))));
        Assert.Equal(["t2"], Ids(store.Query(new EventQuery(Since: Start.AddSeconds(1.5)))));
        Assert.Equal(["t2", "t1", "t0"], Ids(store.Query(new EventQuery(Since: Start.AddDays(-1)))));
        Assert.Empty(store.Query(new EventQuery(Since: Start.AddSeconds(3))));
        // The same instant in another offset.
        Assert.Equal(["t2", "t1"], Ids(store.Query(new EventQuery(Since: Start.AddSeconds(1).ToOffset(TimeSpan.FromHours(-5))))));
    }

    [Fact]
    public async Task Query_must_combine_filters_and_apply_the_limit_after_filtering()
    {
        var envelopes = new List<EventEnvelope>();
        for (var i = 0; i < 20; i++)
        {
            envelopes.Add(Envelope(i % 2 == 0 ? EventType.TokenCreated : EventType.TokenValidated, id: "e" + i, clientId: i % 4 < 2 ? "billing" : "reports", timestamp: Start.AddSeconds(i)));
        }

        var store = await StoreWith(100, [.. envelopes]);

        var found = store.Query(new EventQuery(EventType.TokenCreated, ClientId: "billing", Since: Start.AddSeconds(4), Limit: 3));

        Assert.Equal(["e16", "e12", "e8"], Ids(found));
    }
}
