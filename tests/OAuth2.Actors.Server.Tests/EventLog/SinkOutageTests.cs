namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// A sink whose destination is down for longer than its queue holds (OAUTH2_EVENTS_SINK_BUFFER=16) loses nothing: once
/// the destination is back, the sink catches up from its cursor and every event of the log arrives, ids unchanged,
/// also when the server restarted during the outage.
/// </summary>
public sealed class SinkOutageTests : EventLogHostTests
{
    private static readonly (string, string?)[] Settings =
    [
        ("OAUTH2_EVENTS_BACKEND", "in_memory,recorder"),
        ("OAUTH2_EVENTS_SINK_BUFFER", "16"),
        ("OAUTH2_EVENTS_IN_MEMORY_MAX", "100000"),
    ];

    [Fact]
    public async Task Sink_down_longer_than_its_queue_holds_must_lose_nothing_once_its_destination_is_back()
    {
        var destination = new SwitchedDestination { Down = true };
        await using var host = await Start(Settings, destination);

        var ids = await Traffic(host, ingested: 1_000, tokens: 20);
        await host.WaitForSinkCaughtUp(EventBackends.InMemory);
        var failing = await host.WaitForSinkStatus("recorder", s => s.LagEvents >= ids.Count && s.Failed > 0, "to fall behind while its destination is down");
        Assert.Equal("failing", failing.State);
        Assert.True(failing.LagSeconds > 0, failing.ToString());
        Assert.True(destination.Refused > 0);

        destination.Down = false;

        await AssertDeliveredEverything(host, destination, ids);
    }

    [Fact]
    public async Task Sink_down_across_a_restart_must_lose_nothing_once_its_destination_is_back()
    {
        var destination = new SwitchedDestination { Down = true };
        await using var first = await Start(Settings, destination);
        var before = await Traffic(first, ingested: 300, tokens: 5);
        await first.WaitForSinkCaughtUp(EventBackends.InMemory);

        await using var second = await first.Restart();
        var after = await Traffic(second, ingested: 300, tokens: 5);
        await second.WaitForSinkCaughtUp(EventBackends.InMemory);
        await second.WaitForSinkStatus("recorder", s => s.LagEvents >= before.Count + after.Count, "to lag by everything sent while its destination was down");

        destination.Down = false;

        await AssertDeliveredEverything(second, destination, before.Concat(after).ToArray());
    }

    /// <summary>Ingested events (16 producers) and real token traffic; the ids of the ingested ones.</summary>
    private static async Task<IReadOnlyList<string>> Traffic(TestHost host, int ingested, int tokens)
    {
        var ids = Enumerable.Range(0, ingested).Select(_ => NewId("outage")).ToArray();
        var client = await host.Register(scope: "read");
        await Task.WhenAll(
            IngestInParallel(host, ids.Select(id => Envelope(id)).ToArray()),
            Task.Run(async () =>
            {
                for (var i = 0; i < tokens; i++)
                {
                    await host.AccessToken(client);
                }
            }));
        return ids;
    }

    /// <summary>
    /// The sink catches up to the head and holds every event of the log, ids unchanged (at least once: a batch that was
    /// refused may come again, never an event that is not in the log).
    /// </summary>
    private static async Task AssertDeliveredEverything(TestHost host, SwitchedDestination destination, IReadOnlyList<string> sent)
    {
        await host.WaitForSinkCaughtUp("recorder", TimeSpan.FromSeconds(120));
        var logged = await LoggedIds(host);
        // Caught up again to a head read after the log was: every event just read is at or below the sink's cursor.
        var caughtUp = await host.WaitForSinkCaughtUp("recorder");
        var received = destination.ReceivedIds.ToHashSet();
        var loggedSince = await LoggedIds(host);

        Assert.Empty(sent.Except(logged));
        var missing = logged.Where(id => !received.Contains(id)).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} of {logged.Count} logged events never reached the sink, e.g. {string.Join(", ", missing.Take(3))}");
        Assert.Empty(received.Except(loggedSince));
        Assert.Equal(0, caughtUp.Lost);
        Assert.NotEqual("failing", caughtUp.State);
    }

    private static async Task<IReadOnlyList<string>> LoggedIds(TestHost host) =>
        (await host.AllEvents("order=asc&limit=1000")).Select(e => e.Id()!).ToArray();
}
