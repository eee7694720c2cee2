using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// Retention: events appended longer ago than the retention are purged; what a sink had not acknowledged by then is
/// counted as its loss and shown in its status. The retention here is seconds: the host's own pipeline setup (from its
/// configuration) with the log's retention and purge interval changed (OAUTH2_EVENTS_RETENTION_DAYS counts days).
/// </summary>
public sealed class RetentionPurgeTests : EventLogHostTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Purge_must_count_the_events_a_paused_sink_never_acknowledged_as_lost_and_show_them_in_its_status()
    {
        var destination = new SwitchedDestination();
        await using var host = await TestHost.Start(
            DataDirectory,
            new Dictionary<string, string?> { ["OAUTH2_EVENTS_BACKEND"] = "in_memory,recorder", ["OAUTH2_EVENTS_FILTER_MODE"] = QuietLog[0].Value, ["OAUTH2_EVENTS_TYPES"] = QuietLog[1].Value },
            services =>
            {
                SwitchedBackend.Services("recorder", destination)(services);
                services.AddSingleton(sp =>
                {
                    var setup = EventPipelineSetup.Build(sp.GetRequiredService<IConfiguration>(), sp.GetServices<IEventBackend>());
                    var log = setup.Settings.Log with { Retention = Retention, PurgeInterval = TimeSpan.FromMilliseconds(250), PurgeBatchSize = 7 };
                    return setup with { Settings = setup.Settings with { Log = log } };
                });
            },
            kestrel: true);
        var acknowledged = await Ingest(host, 5, "acknowledged");
        await host.WaitForSinkCaughtUp("recorder");
        await host.PauseSink("recorder");

        var unacknowledged = await Ingest(host, 40, "unacknowledged");
        await host.WaitForSinkCaughtUp(EventBackends.InMemory);
        foreach (var id in acknowledged.Concat(unacknowledged))
        {
            await Eventually.Until(async () => (await host.EventById(id)).Status == HttpStatusCode.NotFound, $"event {id} to be purged", TimeSpan.FromSeconds(60));
        }

        var paused = await host.WaitForSinkStatus("recorder", s => s.Lost >= unacknowledged.Count, "to count its purged events as lost");
        Assert.Equal(unacknowledged.Count, paused.Lost);
        Assert.Equal("paused", paused.State);
        Assert.Contains(await host.Sinks(), s => s.Name == "recorder" && s.Lost == unacknowledged.Count);
        // The other sink had acknowledged everything before it was purged: nothing lost there.
        Assert.Equal(0, (await host.Sink(EventBackends.InMemory)).Lost);
        Assert.Contains(host.Logs.Warnings, w => w.Contains("recorder", StringComparison.Ordinal));

        await host.ResumeSink("recorder");
        // Within retention, events stay (read at once, well inside the retention).
        var fresh = await Ingest(host, 10, "fresh");
        foreach (var id in fresh)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.EventById(id)).Status);
        }

        await Eventually.Until(() => Task.FromResult(fresh.All(destination.ReceivedIds.Contains)), "the resumed sink to receive the events sent after it resumed");
        Assert.Empty(unacknowledged.Intersect(destination.ReceivedIds));
        Assert.Equal(unacknowledged.Count, (await host.Sink("recorder")).Lost);
    }

    private static async Task<IReadOnlyList<string>> Ingest(TestHost host, int count, string prefix)
    {
        var ids = Enumerable.Range(0, count).Select(_ => NewId(prefix)).ToArray();
        await IngestInParallel(host, ids.Select(id => Envelope(id)).ToArray(), parallelism: 4);
        return ids;
    }
}
