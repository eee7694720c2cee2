using System.Diagnostics;

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
        var service = RedisBroker.Service();
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
            var slowest = TimeSpan.Zero;
            for (var i = 0; i < OutageRequests; i++)
            {
                var watch = Stopwatch.StartNew();
                await host.AccessToken(client, correlationId: $"outage-{i}");
                slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            }

            // Generous for a loaded CI machine, yet below the 5 s plugin timeout: a request that waited on the broker would exceed it.
            Assert.True(slowest < TimeSpan.FromSeconds(4), $"a token request took {slowest} while Redis was down");
            var unhealthy = await host.WaitForSink("redis", s => !s.GetProperty("healthy").GetBoolean() && s.GetProperty("buffered").GetInt64() > 0, TimeSpan.FromSeconds(20), "unhealthy and holding events");
            Assert.Equal(0, unhealthy.GetProperty("dropped").GetInt64());
            var (status, ready) = await host.Ready();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("degraded", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty("redis").GetString());
            Assert.False((await host.EventsHealth()).GetProperty("healthy").GetBoolean());

            // Back: everything from the outage arrives, none lost (the buffer, 10,000, was never full).
            await service.Start();
            stopped = false;
            var outage = Enumerable.Range(0, OutageRequests).Select(i => $"outage-{i}").ToArray();
            var entries = await RedisBroker.WaitFor(database, stream, e => e.HasAll("token_created", outage), TimeSpan.FromSeconds(60), $"all {OutageRequests} token_created events from the outage");
            var outageEvents = entries.Where(e => e["correlation_id"].ToString().StartsWith("outage-", StringComparison.Ordinal)).ToArray();
            Assert.Equal(OutageRequests * 2, outageEvents.Select(e => e.Field("event_id")).Distinct().Count()); // client_validated + token_created each
            var healthy = await host.WaitForSink("redis", s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("buffered").GetInt64() == 0, TimeSpan.FromSeconds(30), "healthy again with nothing held");
            Assert.Equal(0, healthy.GetProperty("dropped").GetInt64());
            Assert.Equal(0, healthy.GetProperty("failed").GetInt64());

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
