using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.Tests.EventLog;
using OAuth2.Actors.Server.Webhooks;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>The host's webhook service: the tables made before anything uses them, attempts purged with the log's retention.</summary>
public sealed class WebhookStoreServiceTests
{
    [Fact]
    public async Task The_service_must_create_the_tables_at_start_and_purge_attempts_older_than_the_log_s_retention()
    {
        await using var log = await TestEventLog.Create();
        var store = new SqlWebhookStore(log.Store, null);
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(now);
        var settings = new EventSettings { Log = new Events.Log.EventLogSettings { Retention = TimeSpan.FromDays(30), PurgeBatchSize = 2 } };
        await using var services = new ServiceCollection()
            .AddSingleton(new WebhookSettings())
            .AddSingleton<IWebhookStore>(store)
            .BuildServiceProvider();
        using var service = new WebhookStoreService(new EventPipelineSetup(settings, [], []) { Webhooks = true }, services, time, NullLogger<WebhookStoreService>.Instance);

        await service.StartAsync(CancellationToken.None);
        // Created by StartAsync; the purge's first run may already have found nothing.
        await store.RecordAttemptsAsync(
        [
            Attempt("ev-old-1", now.AddDays(-40)), Attempt("ev-old-2", now.AddDays(-31)), Attempt("ev-old-3", now.AddDays(-30).AddSeconds(-1)),
            Attempt("ev-new", now.AddDays(-29)),
        ], CancellationToken.None);
        time.Advance(settings.Log.PurgeInterval);

        var left = await Eventually.Until(
            () => store.AttemptsAsync("wh_a", null, 10, null, CancellationToken.None),
            attempts => attempts.Count == 1,
            "the attempts past retention to be purged, in batches of 2");
        Assert.Equal("ev-new", Assert.Single(left).EventId);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_webhooks_the_service_must_not_touch_the_store()
    {
        await using var services = new ServiceCollection().BuildServiceProvider();
        using var service = new WebhookStoreService(new EventPipelineSetup(new EventSettings(), [], []), services, TimeProvider.System, NullLogger<WebhookStoreService>.Instance);

        // No IWebhookStore is registered: resolving one would throw.
        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);
    }

    private static WebhookAttempt Attempt(string eventId, DateTimeOffset at) =>
        new("wh_a", eventId, 1, 1, at, 200, null, TimeSpan.FromMilliseconds(1), null, WebhookAttemptOutcome.Delivered, null);
}
