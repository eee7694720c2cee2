namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>
/// Retries survive a restart: they come from the store and the log, not from memory. The server stops in the middle of
/// an event's retry schedule; the retry happens after the restart, with the same webhook-id and the next attempt number.
/// </summary>
public sealed class WebhookRestartE2ETests : RestartingHostTests
{
    [Fact]
    public async Task A_retry_due_while_the_server_was_down_happens_after_the_restart_with_the_same_id_and_the_next_attempt_number()
    {
        await using var receiver = await WebhookReceiver.Start();
        var path = WebhookE2E.NewPath("restart");
        receiver.Respond(path, WebhookBehaviour.SucceedAfter(1));
        var settings = new Dictionary<string, string?>
        {
            ["OAUTH2_EVENTS_BACKEND"] = "in_memory,webhook",
            ["OAUTH2_WEBHOOKS_ALLOW_HTTP"] = "true",
            ["OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = "true",
            // The first retry about 3 s after the failure: the server is down by then.
            ["OAUTH2_WEBHOOKS_RETRY_SCHEDULE"] = "3s,3s",
            ["OAUTH2_WEBHOOKS_TIMEOUT_SECONDS"] = "2",
        };

        var host = await TestHost.Start(DataDirectory, settings);
        try
        {
            var webhook = await host.CreateWebhook(receiver.Url(path), ["token_created"]);
            var envelope = await host.TokenCreatedEvent();
            var id = envelope.Id()!;
            var first = await receiver.Delivery(path, id);
            Assert.Equal(500, first.AnsweredStatus);
            await host.WaitForAttempts(webhook.Id, id, a => a.Count >= 1, "the failed first attempt");

            // Restart (not a new host): on PostgreSQL a new host would get a fresh database of its own.
            var stoppedAt = DateTimeOffset.MinValue;
            host = await host.Restart(async () =>
            {
                stoppedAt = DateTimeOffset.UtcNow;
                Assert.Single(receiver.RequestsFor(id));
                // Down until the retry (3 s after the failure) is due.
                var due = first.At + TimeSpan.FromSeconds(3.5);
                if (due > DateTimeOffset.UtcNow)
                {
                    await Task.Delay(due - DateTimeOffset.UtcNow);
                }
            });

            var retry = await receiver.Delivery(path, id, count: 2, within: TimeSpan.FromSeconds(60));
            Assert.True(retry.At >= stoppedAt, $"the retry arrived at {retry.At:O}, before the server stopped at {stoppedAt:O}");
            Assert.Equal(204, retry.AnsweredStatus);
            WebhookE2E.AssertSigned(retry, id, webhook.Secret);
            Assert.Equal(first.WebhookId, retry.WebhookId);

            var attempts = await host.WaitForAttempts(webhook.Id, id, a => a.Count >= 2, "both attempts");
            Assert.Equal([1, 2], attempts.Select(a => a.Int("attempt") ?? 0));
            Assert.Equal(["retrying", "delivered"], attempts.Select(a => a.Str("outcome")));
            Assert.Equal(2, receiver.RequestsFor(id).Count);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
