namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>
/// RabbitMQ goes away while tokens are issued: requests stay fast, the sink reports unhealthy (and /ready degraded,
/// still 200), and once the node is back every event arrives. The queue is durable and the messages persistent, so
/// what was confirmed before the outage survives the restart too: the test counts every event of the run, none lost.
/// </summary>
public sealed class RabbitMqOutageTests
{
    private const int Before = 10;
    private const int During = 60;

    [SkippableFact]
    public async Task RabbitMq_sink_must_hold_events_through_an_outage_and_deliver_them_when_rabbitmq_returns()
    {
        var url = RabbitBroker.Broker.Url();
        var service = RabbitBroker.Broker.Service();
        var exchange = RabbitBroker.Unique("outage");
        var queue = exchange + ".durable";
        var stopped = false;
        try
        {
            await using (var setup = await RabbitBroker.Connect(url))
            await using (var channel = await setup.CreateChannelAsync())
            {
                await RabbitBroker.DeclareBoundQueue(channel, exchange, queue, "auth.token_created");
            }

            await using var host = await TestHost.Start(RabbitBroker.Settings("rabbit", url, exchange));
            var client = await host.Register();
            await host.WaitForSink("rabbit", s => s.GetProperty("healthy").GetBoolean(), TimeSpan.FromSeconds(20), "connected");

            for (var i = 0; i < Before; i++)
            {
                await host.AccessToken(client, correlationId: $"before-{i}");
            }

            // Confirmed (and so on disk) before the node goes down.
            await host.WaitForSink("rabbit", s => s.GetProperty("buffered").GetInt64() == 0 && s.GetProperty("delivered").GetInt64() >= Before * 2, TimeSpan.FromSeconds(20), "done with the events from before");

            await service.Stop();
            stopped = true;
            // Generous for a loaded CI machine, yet below the 5 s plugin timeout: a request that waited on the broker would exceed it.
            await OutageChecks.AssertTokenRequestsStayFast(host, client, During, TimeSpan.FromSeconds(4));
            await OutageChecks.AssertDegraded(host, "rabbit");

            await service.Start();
            stopped = false;
            await OutageChecks.AssertRecovered(host, "rabbit", TimeSpan.FromSeconds(90));
            await host.AccessToken(client, correlationId: "after");

            // Every token_created of the run is in the durable queue: before (survived the restart), during, after.
            var wanted = Enumerable.Range(0, Before).Select(i => $"before-{i}").Concat(Enumerable.Range(0, During).Select(i => $"outage-{i}")).Append("after").ToHashSet();
            await using var consumer = await RabbitBroker.Connect(url);
            await using var reader = await consumer.CreateChannelAsync();
            var taken = await RabbitBroker.TakeUntil(reader, queue, t => wanted.IsSubsetOf(t.Select(m => m.CorrelationId!)), TimeSpan.FromSeconds(30), $"all {wanted.Count} token_created events");
            Assert.All(taken, m => Assert.Equal("token_created", m.Header("event_type")));
            // One token_created per request: at least once (a batch retried after a lost connection may repeat), none missing.
            Assert.Equal(wanted.Count, taken.Where(m => wanted.Contains(m.CorrelationId!)).Select(m => m.MessageId).Distinct().Count());
        }
        finally
        {
            if (stopped)
            {
                await service.Start();
            }

            await RabbitBroker.TryDelete(url, exchange, queue);
        }
    }
}
