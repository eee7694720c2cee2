using Microsoft.Extensions.Logging.Abstractions;
using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Events.Webhooks.Tests;

internal static class Support
{
    public static readonly WebhookSettings LoopbackSettings = new()
    {
        AllowHttp = true,
        AllowPrivateNetworks = true,
        // Long enough for a first request on a loaded machine (with 1 s, a 410 spec saw its first attempt time out and
        // the 410 come on the retry); the timeout spec sets its own short one.
        Timeout = TimeSpan.FromSeconds(5),
        RetrySchedule = [TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300)],
        RetryPollInterval = TimeSpan.FromMilliseconds(100),
        MaxInFlight = 8,
        EventSource = new Uri("https://issuer.example"),
    };

    public static EventEnvelope Envelope(EventType type = EventType.TokenCreated, string? id = null)
    {
        var now = DateTimeOffset.UtcNow;
        var e = new AuthEvent(id ?? Guid.NewGuid().ToString(), type, now, EventSeverity.Info, "user-1", "client-1", new Dictionary<string, string> { ["scope"] = "read" }, null);
        return new EventEnvelope(e, null, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null, "corr-1", "tests", now, new Dictionary<string, string>());
    }

    public static WebhookEndpoint Endpoint(string id, string url, string secret, IReadOnlyList<string>? types = null, EventFormat format = EventFormat.Envelope)
    {
        var now = DateTimeOffset.UtcNow;
        return new WebhookEndpoint(id, url, types ?? [], format, true, null, [new WebhookSecret(secret, now, null)], now, now, null, null, null);
    }

    public static WebhookSinks Sinks(WebhookSettings settings, IWebhookStore store, IEventLogStore log) =>
        new(settings, store, log, TimeProvider.System, NullLoggerFactory.Instance);

    /// <summary>Waits with a deadline until <paramref name="condition"/> holds.</summary>
    public static async Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(20);
        }
    }
}
