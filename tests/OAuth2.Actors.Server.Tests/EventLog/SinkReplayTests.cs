namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// POST /admin/api/sinks/{name}/replay: a range of the log (positions or RFC 3339 times) delivered again to that sink
/// only, with the same ids, without moving its cursor.
/// </summary>
public sealed class SinkReplayTests : EventLogHostTests
{
    private static readonly (string, string?)[] Settings = [("OAUTH2_EVENTS_BACKEND", "in_memory,recorder"), .. QuietLog];

    [Fact]
    public async Task Replay_of_a_position_range_must_deliver_exactly_that_range_again_to_that_sink_only()
    {
        var destination = new SwitchedDestination();
        await using var host = await Start(Settings, destination);
        // The log is quiet (QuietLog) and these are sent one by one: they sit at consecutive positions, in this order.
        var start = (await host.WaitForSinkCaughtUp("recorder")).Head;
        var ids = await IngestOneByOne(host, 30, "pos");
        var caughtUp = await host.WaitForSinkStatus("recorder", s => s.Cursor == start + ids.Count && s.Head == start + ids.Count, $"to acknowledge positions {start + 1}..{start + ids.Count}");
        await host.WaitForSinkCaughtUp(EventBackends.InMemory);
        var other = await host.Sink(EventBackends.InMemory);
        var otherHeld = InMemorySink(host).Count;
        var receivedBefore = destination.ReceivedIds.Count;

        using (var response = await host.ReplaySink("recorder", start + 6, start + 25))
        {
            Assert.True(response.IsSuccessStatusCode, $"replay answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var done = await host.WaitForSinkStatus("recorder", s => s.ReplayDone, "to finish the replay");
        Assert.Equal(20, done.ReplayDelivered);
        Assert.Equal(20, done.Replayed);
        var replayed = destination.Received.Skip(receivedBefore).ToArray();
        Assert.Equal(ids.Skip(5).Take(20), replayed.Select(e => e.Event.Id));
        Assert.Equal(caughtUp.Cursor, done.Cursor);
        // The other sink received nothing extra.
        var otherAfter = await host.Sink(EventBackends.InMemory);
        Assert.Equal(other.Delivered, otherAfter.Delivered);
        Assert.Equal(0, otherAfter.Replayed);
        Assert.Equal(otherHeld, InMemorySink(host).Count);
    }

    [Fact]
    public async Task Replay_of_a_time_range_must_deliver_exactly_the_events_appended_in_it_with_the_same_ids()
    {
        var destination = new SwitchedDestination();
        await using var host = await Start(Settings, destination);
        var earlier = await IngestOneByOne(host, 10, "earlier");
        await Task.Delay(50);
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        var inRange = await IngestOneByOne(host, 25, "in-range");
        await Task.Delay(50);
        var to = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        var later = await IngestOneByOne(host, 10, "later");
        var caughtUp = await host.WaitForSinkCaughtUp("recorder");
        Assert.Empty(earlier.Concat(inRange).Concat(later).Except(destination.ReceivedIds));
        var originals = destination.Received.Where(e => inRange.Contains(e.Event.Id)).ToDictionary(e => e.Event.Id);
        var receivedBefore = destination.ReceivedIds.Count;

        using (var response = await host.ReplaySink("recorder", from.ToString("O"), to.ToString("O")))
        {
            Assert.True(response.IsSuccessStatusCode, $"replay answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var done = await host.WaitForSinkStatus("recorder", s => s.ReplayDone, "to finish the replay");
        var replayed = destination.Received.Skip(receivedBefore).ToArray();
        Assert.Equal(inRange, replayed.Select(e => e.Event.Id));
        Assert.All(replayed, e => Assert.Equal(EventJson.Serialize(originals[e.Event.Id]), EventJson.Serialize(e)));
        Assert.Equal(caughtUp.Cursor, done.Cursor);
        Assert.Equal(0, (await host.Sink(EventBackends.InMemory)).Replayed);
    }

    [Fact]
    public async Task Replay_must_answer_400_for_a_range_that_is_not_one()
    {
        await using var host = await Start(Settings, new SwitchedDestination());
        await IngestOneByOne(host, 3, "bad-range");

        foreach (var (from, to) in new (JsonNode, JsonNode)[] { (5, 2), ("yesterday", 3), (-1, 2), ("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z") })
        {
            using var response = await host.ReplaySink("recorder", from, to);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{from}..{to}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using var unknown = await host.ReplaySink("no-such-sink", 1, 2);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<IReadOnlyList<string>> IngestOneByOne(TestHost host, int count, string prefix)
    {
        var ids = Enumerable.Range(0, count).Select(_ => NewId(prefix)).ToArray();
        foreach (var id in ids)
        {
            await IngestAccepted(host, Envelope(id));
        }

        return ids;
    }
}
