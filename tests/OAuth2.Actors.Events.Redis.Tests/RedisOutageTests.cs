namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// Redis goes away while tokens are issued: requests stay fast, the sink reports unhealthy (and /ready degraded, still
/// 200), and every event produced during the outage reaches the stream once Redis is back. The CI Redis keeps no data
/// across a restart, so the events from before the outage are checked before it, and those from the outage after it.
/// </summary>
public sealed class RedisOutageTests
{
    private const int OutageRequests = 60;

    [SkippableFact]
    public Task Redis_sink_must_hold_events_through_an_outage_and_deliver_them_when_redis_returns() => RedisBroker.WithStream("outage", async (url, stream, database) =>
    {
        var service = RedisBroker.Broker.Service();
        var stopped = false;
        try
        {
            await using var host = await TestHost.Start(RedisBroker.Settings("redis", url, stream));
            var client = await host.Register();

            // Before: delivered as usual.
            var before = Enumerable.Range(0, 10).Select(i => $"before-{i}").ToArray();
            foreach (var correlationId in before)
            {
                await host.AccessToken(client, correlationId: correlationId);
            }

            await RedisBroker.WaitFor(database, stream, e => e.HasAll("token_created", before), TimeSpan.FromSeconds(20), "the events from before the outage");

            // Outage: every request still succeeds, quickly, while the sink holds its events.
            await service.Stop();
            stopped = true;
            // Generous for a loaded CI machine, yet below the 5 s plugin timeout: a request that waited on the broker would exceed it.
            await OutageChecks.AssertTokenRequestsStayFast(host, client, OutageRequests, TimeSpan.FromSeconds(4));
            await OutageChecks.AssertDegraded(host, "redis");
            Assert.False((await host.EventsHealth()).GetProperty("healthy").GetBoolean());

            // Back: everything from the outage arrives, none lost (the buffer, 10,000, was never full).
            await service.Start();
            stopped = false;
            var outage = Enumerable.Range(0, OutageRequests).Select(i => $"outage-{i}").ToArray();
            // Both events of every request: the sink delivers batches in parallel, so one request's client_validated may
            // land after its token_created.
            var entries = await RedisBroker.WaitFor(database, stream, e => e.HasAll("token_created", outage) && e.HasAll("client_validated", outage), TimeSpan.FromSeconds(60), $"all {OutageRequests} token_created and client_validated events from the outage");
            var outageEvents = entries.Where(e => e["correlation_id"].ToString().StartsWith("outage-", StringComparison.Ordinal)).ToArray();
            Assert.Equal(OutageRequests * 2, outageEvents.Select(e => e.Field("event_id")).Distinct().Count()); // client_validated + token_created each
            await OutageChecks.AssertRecovered(host, "redis", TimeSpan.FromSeconds(30));

            // And it keeps delivering afterwards.
            await host.AccessToken(client, correlationId: "after");
            await RedisBroker.WaitFor(database, stream, e => e.HasAll("token_created", ["after"]), TimeSpan.FromSeconds(20), "the event after the outage");
        }
        finally
        {
            if (stopped)
            {
                await service.Start();
            }
        }
    });
}
