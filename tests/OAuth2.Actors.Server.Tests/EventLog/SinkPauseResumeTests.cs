namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>POST /admin/api/sinks/{name}/pause and /resume: a paused sink keeps its cursor, events wait in the log.</summary>
public sealed class SinkPauseResumeTests : EventLogHostTests
{
    private static readonly (string, string?)[] Settings = [("OAUTH2_EVENTS_BACKEND", "in_memory,recorder"), .. QuietLog];

    [Fact]
    public async Task Paused_sink_must_receive_nothing_keep_its_cursor_and_after_resume_receive_everything_once()
    {
        var destination = new SwitchedDestination();
        await using var host = await Start(Settings, destination);
        var before = await IngestBatch(host, 10, "before");
        await host.WaitForSinkCaughtUp("recorder");

        var paused = await host.PauseSink("recorder");
        Assert.Equal("paused", paused.State);
        var cursor = paused.Cursor;
        var receivedWhenPaused = destination.ReceivedIds.Count;
        var during = await IngestBatch(host, 200, "during");
        // The other sink has them: they have been through the whole pipeline.
        await host.WaitForSinkCaughtUp(EventBackends.InMemory);

        var waiting = await host.WaitForSinkStatus("recorder", s => s.LagEvents >= during.Count, "to lag by the events sent while it is paused");
        Assert.Equal("paused", waiting.State);
        Assert.Equal(cursor, waiting.Cursor);
        Assert.True(waiting.LagSeconds > 0, $"lag in seconds: {waiting}");
        Assert.Equal(receivedWhenPaused, destination.ReceivedIds.Count);
        Assert.Empty(during.Intersect(destination.ReceivedIds));
        Assert.Contains(await host.Sinks(), s => s.Name == "recorder" && s.State == "paused");

        var resumed = await host.ResumeSink("recorder");
        Assert.NotEqual("paused", resumed.State);
        var caughtUp = await host.WaitForSinkCaughtUp("recorder");

        AssertEachOnce(destination.ReceivedIds, before.Concat(during));
        Assert.Equal(0, caughtUp.LagEvents);
        Assert.True(caughtUp.Cursor > cursor);
    }

    [Fact]
    public async Task Pause_must_survive_a_restart_and_the_events_sent_meanwhile_must_arrive_once_after_resume()
    {
        var destination = new SwitchedDestination();
        await using var first = await Start(Settings, destination);
        await IngestBatch(first, 5, "warm");
        await first.WaitForSinkCaughtUp("recorder");
        var cursor = (await first.PauseSink("recorder")).Cursor;
        var beforeRestart = await IngestBatch(first, 50, "before-restart");
        await first.WaitForSinkCaughtUp(EventBackends.InMemory);

        await using var second = await first.Restart();

        var afterRestart = await second.WaitForSinkStarted("recorder");
        Assert.Equal("paused", afterRestart.State);
        Assert.Equal(cursor, afterRestart.Cursor);
        var whileRestarted = await IngestBatch(second, 50, "after-restart");
        await second.WaitForSinkCaughtUp(EventBackends.InMemory);
        var stillPaused = await second.Sink("recorder");
        Assert.Equal("paused", stillPaused.State);
        Assert.Equal(cursor, stillPaused.Cursor);
        Assert.True(stillPaused.LagEvents >= 100, $"lag after the restart: {stillPaused}");
        Assert.Empty(beforeRestart.Concat(whileRestarted).Intersect(destination.ReceivedIds));

        await second.ResumeSink("recorder");
        await second.WaitForSinkCaughtUp("recorder");

        AssertEachOnce(destination.ReceivedIds, beforeRestart.Concat(whileRestarted));
    }

    private async Task<IReadOnlyList<string>> IngestBatch(TestHost host, int count, string prefix)
    {
        var ids = Enumerable.Range(0, count).Select(_ => NewId(prefix)).ToArray();
        await IngestInParallel(host, ids.Select(id => Envelope(id)).ToArray(), parallelism: 8);
        return ids;
    }

    private static void AssertEachOnce(IReadOnlyList<string> received, IEnumerable<string> expected)
    {
        var counts = received.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var missing = expected.Where(id => !counts.ContainsKey(id)).ToArray();
        var twice = expected.Where(id => counts.GetValueOrDefault(id) > 1).ToArray();
        Assert.True(missing.Length == 0 && twice.Length == 0, $"missing {missing.Length}, delivered more than once {twice.Length} (of {expected.Count()})");
    }
}
