using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OAuth2.Actors.Testing;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>What every broker outage test checks while the broker is down and once it is back.</summary>
public static class OutageChecks
{
    /// <summary>
    /// <paramref name="count"/> token requests (correlation ids outage-0, outage-1, ...) while the broker is down: every
    /// one succeeds, none slower than <paramref name="limit"/> (no request waits for the broker).
    /// </summary>
    public static async Task AssertTokenRequestsStayFast(TestHost host, RegisteredClient client, int count, TimeSpan limit)
    {
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await host.RequestToken(client, correlationId: $"outage-{i}");
            watch.Stop();
            Assert.False(response.IsError, $"token request {i} during the outage failed: {response.Error} {response.Raw}");
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }

        Assert.True(slowest < limit, $"the slowest token request during the outage took {slowest}");
    }

    /// <summary>The sink turns unhealthy holding events, drops none, and /ready answers 200 with the sink degraded.</summary>
    public static async Task<JsonElement> AssertDegraded(TestHost host, string sink)
    {
        var unhealthy = await host.WaitForSink(sink, s => !s.GetProperty("healthy").GetBoolean() && s.GetProperty("buffered").GetInt64() > 0, TimeSpan.FromSeconds(30), "unhealthy and holding events");
        Assert.Equal(0, unhealthy.GetProperty("dropped").GetInt64());
        var (status, ready) = await host.Ready();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", ready.GetProperty("checks").GetProperty("event_sinks").GetProperty(sink).GetString());
        return ready;
    }

    /// <summary>
    /// The sink is healthy again with nothing held and none dropped. Its <c>failed</c> counts the delivery attempts the
    /// outage refused: each was retried from the log, so none is lost (the callers check every event arrived).
    /// </summary>
    public static async Task AssertRecovered(TestHost host, string sink, TimeSpan within)
    {
        var healthy = await host.WaitForSink(sink, s => s.GetProperty("healthy").GetBoolean() && s.GetProperty("buffered").GetInt64() == 0, within, "healthy again with nothing held");
        Assert.Equal(0, healthy.GetProperty("dropped").GetInt64());
    }
}
