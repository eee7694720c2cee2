using System.Security.Cryptography;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>
/// Webhook deliveries end to end through the real server: an endpoint created through the admin API, events caused by
/// real OAuth2 calls, delivered to a real HTTP receiver and checked against the rules, the signatures verified
/// by the StandardWebhooks package. One server per class (retry schedule 1s,1s,2s, timeout 2 s); every test has an
/// endpoint of its own, on a receiver path of its own, for token_created events only, deleted at its end.
/// </summary>
public sealed class WebhookDeliveryE2ETests(WebhookServerFixture fixture) : IClassFixture<WebhookServerFixture>
{
    private static readonly string[] TokenCreated = ["token_created"];

    private TestHost Host => fixture.Host;

    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task A_delivery_is_signed_per_Standard_Webhooks_and_verifies_with_the_secret_of_the_create_answer()
    {
        await WithEndpoint("signed", async (path, webhook) =>
        {
            var envelope = await Host.TokenCreatedEvent();
            var delivery = await Receiver.Delivery(path, envelope.Id()!);

            WebhookE2E.AssertSigned(delivery, envelope.Id()!, webhook.Secret);
            Assert.StartsWith("application/json", delivery.ContentType, StringComparison.Ordinal);
            var sig = Assert.Single(WebhookE2E.Signatures(delivery));
            Assert.StartsWith("v1,", sig, StringComparison.Ordinal);
            Assert.Equal(32, Convert.FromBase64String(sig[3..]).Length);

            // The body is the event's envelope.
            using var body = JsonDocument.Parse(delivery.Body);
            Assert.Equal(envelope.Id(), body.RootElement.Id());
            Assert.Equal("token_created", body.RootElement.Type());
            Assert.Equal(envelope.CorrelationId(), body.RootElement.CorrelationId());
            Assert.DoesNotContain(webhook.Secret, delivery.BodyText, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_changed_body_a_wrong_secret_and_a_stale_timestamp_are_rejected_by_the_independent_verifier()
    {
        await WithEndpoint("tamper", async (path, webhook) =>
        {
            var envelope = await Host.TokenCreatedEvent();
            var delivery = await Receiver.Delivery(path, envelope.Id()!);
            Assert.True(WebhookE2E.Verifies(delivery, webhook.Secret));

            var changed = delivery.BodyText.Replace(envelope.Id()!, envelope.Id()! + "x", StringComparison.Ordinal);
            Assert.NotEqual(delivery.BodyText, changed);
            Assert.False(WebhookE2E.Verifies(delivery, webhook.Secret, body: changed), "a changed body verified");

            var wrong = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Assert.False(WebhookE2E.Verifies(delivery, wrong), "another secret verified");

            // A stale timestamp with a signature that is right for it (computed here with the endpoint's secret): the
            // verifier refuses it for its age alone.
            var stale = (WebhookE2E.TimestampOf(delivery) - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var key = Convert.FromBase64String(webhook.Secret["whsec_".Length..]);
            var staleSignature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{delivery.WebhookId}.{stale}.{delivery.BodyText}")));
            Assert.False(WebhookE2E.Verifies(delivery, webhook.Secret, signature: staleSignature, timestamp: stale), "a stale timestamp verified");

            // The same construction at the delivery's own timestamp is the server's signature: the HMAC is as specified.
            var fresh = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{delivery.WebhookId}.{delivery.WebhookTimestamp}.{delivery.BodyText}")));
            Assert.Equal(fresh, Assert.Single(WebhookE2E.Signatures(delivery)));
        });
    }

    [Fact]
    public async Task During_a_secret_rotation_a_delivery_carries_one_signature_for_the_old_secret_and_one_for_the_new()
    {
        await WithEndpoint("rotation", async (path, webhook) =>
        {
            var newSecret = await Host.RotateSecret(webhook.Id);
            Assert.NotEqual(webhook.Secret, newSecret);

            // A delivery reads its endpoint again at most every second: from then on it signs with both secrets.
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            var envelope = await Host.TokenCreatedEvent();
            var delivery = await Receiver.Delivery(path, envelope.Id()!);
            var signatures = WebhookE2E.Signatures(delivery);
            Assert.Equal(2, signatures.Length);

            // Each signature on its own: StandardWebhooks 1.1.2 checks only the first of a space-separated list.
            Assert.Single(signatures, s => WebhookE2E.Verifies(delivery, newSecret, signature: s));
            Assert.Single(signatures, s => WebhookE2E.Verifies(delivery, webhook.Secret, signature: s));
            Assert.NotEqual(
                signatures.Single(s => WebhookE2E.Verifies(delivery, newSecret, signature: s)),
                signatures.Single(s => WebhookE2E.Verifies(delivery, webhook.Secret, signature: s)));
        });
    }

    [Fact]
    public async Task A_500_is_retried_on_the_schedule_with_the_same_webhook_id_and_a_new_timestamp_until_it_succeeds()
    {
        await WithEndpoint("retry", async (path, webhook) =>
        {
            Receiver.Respond(path, WebhookBehaviour.SucceedAfter(2, failStatus: 500));
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            var deliveries = await Receiver.Deliveries(path, id, 3, TimeSpan.FromSeconds(30));

            Assert.Equal([500, 500, 204], deliveries.Select(d => d.AnsweredStatus ?? 0));
            foreach (var delivery in deliveries)
            {
                WebhookE2E.AssertSigned(delivery, id, webhook.Secret);
            }

            // Schedule 1s,1s (jittered by at most 20%).
            Assert.InRange((deliveries[1].At - deliveries[0].At).TotalSeconds, 0.75, 6);
            Assert.InRange((deliveries[2].At - deliveries[1].At).TotalSeconds, 0.75, 6);
            Assert.True(WebhookE2E.TimestampOf(deliveries[2]) > WebhookE2E.TimestampOf(deliveries[0]), "the retry carries the first attempt's timestamp");

            var attempts = await Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 3, "three attempts");
            Assert.Equal([1, 2, 3], attempts.Select(a => a.Int("attempt") ?? 0));
            Assert.Equal([500, 500, 204], attempts.Select(a => a.Int("status") ?? 0));
            Assert.Equal(["retrying", "retrying", "delivered"], attempts.Select(a => a.Str("outcome")));
            Assert.All(attempts, a => Assert.Equal(id, a.Str("event_id")));
        });
    }

    [Fact]
    public async Task A_hanging_receiver_times_out_and_the_event_is_retried()
    {
        await WithEndpoint("hang", async (path, webhook) =>
        {
            Receiver.Respond(path, WebhookBehaviour.SucceedAfterHanging(1));
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            var deliveries = await Receiver.Deliveries(path, id, 2, TimeSpan.FromSeconds(30));

            Assert.Null(deliveries[0].AnsweredStatus);
            Assert.Equal(204, deliveries[1].AnsweredStatus);
            // Timeout 2 s, then the first retry 1 s (jittered) later.
            Assert.True(deliveries[1].At - deliveries[0].At >= TimeSpan.FromSeconds(2.5), $"the retry came {(deliveries[1].At - deliveries[0].At).TotalSeconds:0.00} s after the hanging attempt");

            var attempts = await Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 2, "two attempts");
            Assert.Null(attempts[0].Int("status"));
            Assert.False(string.IsNullOrEmpty(attempts[0].Str("error")), $"the timed-out attempt has no error: {attempts[0]}");
            Assert.True(attempts[0].GetProperty("latency_ms").GetDouble() >= 1900, $"the timed-out attempt's latency: {attempts[0]}");
            Assert.Equal("delivered", attempts[1].Str("outcome"));
        });
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task A_429_or_503_with_Retry_After_delays_the_next_attempt_by_it(int status)
    {
        await WithEndpoint("throttle" + status, async (path, webhook) =>
        {
            // Retry-After 4 s, where the schedule alone would retry after about 1 s.
            Receiver.Respond(path, WebhookBehaviour.Sequence(WebhookBehaviour.Throttle(4, status), 1, WebhookBehaviour.Succeed()));
            var envelope = await Host.TokenCreatedEvent();
            var deliveries = await Receiver.Deliveries(path, envelope.Id()!, 2, TimeSpan.FromSeconds(30));

            Assert.Equal(status, deliveries[0].AnsweredStatus);
            var gap = deliveries[1].At - deliveries[0].At;
            Assert.True(gap >= TimeSpan.FromSeconds(3.9), $"the retry came {gap.TotalSeconds:0.00} s after a Retry-After of 4 s");
            Assert.Equal(deliveries[0].WebhookId, deliveries[1].WebhookId);
        });
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    public async Task A_redirect_is_a_failure_and_its_Location_is_never_requested(int status)
    {
        var elsewhere = WebhookE2E.NewPath("elsewhere");
        await WithEndpoint("redirect" + status, async (path, webhook) =>
        {
            Receiver.Respond(path, WebhookBehaviour.Redirect(Receiver.Url(elsewhere), status));
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            var deliveries = await Receiver.Deliveries(path, id, 2, TimeSpan.FromSeconds(30));

            Assert.All(deliveries, d => Assert.Equal(status, d.AnsweredStatus));
            var attempts = await Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 2, "two attempts");
            Assert.All(attempts.Take(2), a => Assert.Equal(status, a.Int("status")));
            Assert.All(attempts.Take(2), a => Assert.NotEqual("delivered", a.Str("outcome")));
            Assert.Empty(Receiver.RequestsTo(elsewhere));
        });

        Assert.Empty(Receiver.RequestsTo(elsewhere));
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_and_re_enabling_it_delivers_what_waited()
    {
        await WithEndpoint("gone", async (path, webhook) =>
        {
            Receiver.Respond(path, WebhookBehaviour.Gone());
            var first = await Host.TokenCreatedEvent();
            await Receiver.Delivery(path, first.Id()!);

            var disabled = await Eventually.Until(() => Host.GetWebhook(webhook.Id), w => w.Str("disabled_at") is not null, "the endpoint to be disabled");
            Assert.False(disabled.GetProperty("enabled").GetBoolean());
            Assert.False(string.IsNullOrEmpty(disabled.Str("disabled_reason")), $"no disabled_reason: {disabled}");
            Assert.Contains("410", disabled.Str("disabled_reason"), StringComparison.Ordinal);

            // While disabled nothing is posted: a later event waits in the log.
            var second = await Host.TokenCreatedEvent();
            await Host.SettleEvents();
            Assert.Empty(Receiver.RequestsFor(second.Id()!));
            Assert.Single(Receiver.RequestsFor(first.Id()!));

            Receiver.Respond(path, WebhookBehaviour.Succeed());
            var enabled = await Host.UpdateWebhook(webhook.Id, new JsonObject { ["enabled"] = true });
            Assert.True(enabled.GetProperty("enabled").GetBoolean());
            Assert.Null(enabled.Str("disabled_at"));

            var redelivered = await Receiver.Delivery(path, first.Id()!, count: 2, within: TimeSpan.FromSeconds(30));
            var waited = await Receiver.Delivery(path, second.Id()!, within: TimeSpan.FromSeconds(30));
            Assert.Equal(204, redelivered.AnsweredStatus);
            Assert.Equal(204, waited.AnsweredStatus);
            WebhookE2E.AssertSigned(waited, second.Id()!, webhook.Secret);
        });
    }

    [Fact]
    public async Task The_event_type_filter_takes_globs()
    {
        var client = await Host.Register(scope: "read");
        var tokens = WebhookE2E.NewPath("glob-token");
        var clients = WebhookE2E.NewPath("glob-client");
        var tokenHook = await Host.CreateWebhook(Receiver.Url(tokens), ["token_*"]);
        var clientHook = await Host.CreateWebhook(Receiver.Url(clients), ["client_*"]);
        try
        {
            var token = await Host.TokenCreatedEvent(client);
            var validated = await Host.WaitForEvents($"event_type=client_validated&client_id={client.ClientId}&limit=1000", _ => true);
            var clientEvent = validated[^1].Id()!;

            await Receiver.Delivery(tokens, token.Id()!);
            await Receiver.Delivery(clients, clientEvent);
            await Host.SettleEvents();
            Assert.All(Receiver.RequestsTo(tokens), r => Assert.StartsWith("token_", Type(r), StringComparison.Ordinal));
            Assert.All(Receiver.RequestsTo(clients), r => Assert.StartsWith("client_", Type(r), StringComparison.Ordinal));
            Assert.DoesNotContain(Receiver.RequestsTo(tokens), r => r.WebhookId == clientEvent);
            Assert.DoesNotContain(Receiver.RequestsTo(clients), r => r.WebhookId == token.Id());
        }
        finally
        {
            await Host.DeleteWebhook(tokenHook.Id);
            await Host.DeleteWebhook(clientHook.Id);
        }

        static string Type(ReceivedRequest r)
        {
            using var body = JsonDocument.Parse(r.Body);
            return body.RootElement.Type()!;
        }
    }

    [Fact]
    public async Task The_attempts_log_shows_each_attempt_with_its_status_latency_and_a_truncated_body()
    {
        await WithEndpoint("attempts", async (path, webhook) =>
        {
            var longBody = new string('x', 5000);
            Receiver.Respond(path, WebhookBehaviour.Sequence(WebhookBehaviour.Fail(500, longBody), 1, WebhookBehaviour.Succeed(200)));
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            await Receiver.Deliveries(path, id, 2, TimeSpan.FromSeconds(30));

            var attempts = await Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 2, "two attempts");
            var failed = attempts[0];
            Assert.Equal(id, failed.Str("event_id"));
            Assert.Equal(1, failed.Int("attempt"));
            Assert.Equal(500, failed.Int("status"));
            Assert.Equal("retrying", failed.Str("outcome"));
            Assert.NotNull(failed.Str("next_attempt_at"));
            Assert.True(failed.GetProperty("latency_ms").GetDouble() >= 0);
            var kept = failed.Str("response_body")!;
            Assert.InRange(kept.Length, 1, 1024);
            Assert.StartsWith("xxxx", kept, StringComparison.Ordinal);
            Assert.NotNull(failed.Str("at"));

            Assert.Equal(2, attempts[1].Int("attempt"));
            Assert.Equal(200, attempts[1].Int("status"));
            Assert.Equal("delivered", attempts[1].Str("outcome"));
            // Both at the event's place in the log (the first attempt too: the consumer hands the position over).
            Assert.True(failed.GetProperty("position").GetInt64() > 0, failed.ToString());
            Assert.Equal(failed.GetProperty("position").GetInt64(), attempts[1].GetProperty("position").GetInt64());

            // The endpoint's whole log holds them too, newest first.
            var all = await Host.Attempts(webhook.Id);
            Assert.Equal(2, all.Count(a => a.Str("event_id") == id));
        });
    }

    [Fact]
    public async Task Redelivering_one_event_posts_it_again_with_the_same_id_and_the_next_attempt_number()
    {
        await WithEndpoint("redeliver", async (path, webhook) =>
        {
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            await Receiver.Delivery(path, id);
            await Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 1, "the first attempt");

            var (status, body) = await Host.Redeliver(webhook.Id, new JsonObject { ["event_id"] = id });
            Assert.True(status == HttpStatusCode.Accepted, $"redeliver answered {(int)status}: {body}");
            Assert.Equal(2, body.Int("attempt"));

            var again = await Receiver.Delivery(path, id, count: 2);
            WebhookE2E.AssertSigned(again, id, webhook.Secret);
            var attempts = await Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 2, "two attempts");
            Assert.Equal([1, 2], attempts.Select(a => a.Int("attempt") ?? 0));
            Assert.All(attempts, a => Assert.Equal("delivered", a.Str("outcome")));

            var (missing, problem) = await Host.Redeliver(webhook.Id, new JsonObject { ["event_id"] = "no-such-event-" + Guid.NewGuid().ToString("N") });
            Assert.True(missing is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"redelivering an unknown event answered {(int)missing}: {problem}");
        });
    }

    [Fact]
    public async Task Redelivering_a_range_goes_to_that_endpoint_only()
    {
        var pathA = WebhookE2E.NewPath("range-a");
        var pathB = WebhookE2E.NewPath("range-b");
        var a = await Host.CreateWebhook(Receiver.Url(pathA), TokenCreated);
        var b = await Host.CreateWebhook(Receiver.Url(pathB), TokenCreated);
        try
        {
            var from = DateTimeOffset.UtcNow.AddSeconds(-1);
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            await Receiver.Delivery(pathA, id);
            await Receiver.Delivery(pathB, id);
            var to = DateTimeOffset.UtcNow.AddSeconds(1);

            var (status, body) = await Host.Redeliver(a.Id, new JsonObject { ["from"] = from.ToString("O"), ["to"] = to.ToString("O") });
            Assert.True(status == HttpStatusCode.Accepted, $"redeliver from/to answered {(int)status}: {body}");

            var again = await Receiver.Delivery(pathA, id, count: 2, within: TimeSpan.FromSeconds(30));
            WebhookE2E.AssertSigned(again, id, a.Secret);
            await Host.SettleEvents();
            await Host.WaitForSinkCaughtUp("webhook:" + b.Id);
            Assert.Single(Receiver.RequestsTo(pathB), r => r.WebhookId == id);
        }
        finally
        {
            await Host.DeleteWebhook(a.Id);
            await Host.DeleteWebhook(b.Id);
        }
    }

    [Fact]
    public async Task A_deleted_endpoint_receives_nothing_more()
    {
        var path = WebhookE2E.NewPath("deleted");
        var webhook = await Host.CreateWebhook(Receiver.Url(path), TokenCreated);
        var envelope = await Host.TokenCreatedEvent();
        await Receiver.Delivery(path, envelope.Id()!);

        Assert.Equal(HttpStatusCode.NoContent, await Host.DeleteWebhook(webhook.Id));
        var (status, _) = await Host.SendJson(HttpMethod.Get, $"{WebhookE2E.Path}/{webhook.Id}", null);
        Assert.Equal(HttpStatusCode.NotFound, status);
        var later = await Host.TokenCreatedEvent();
        await Host.SettleEvents();
        await Host.TokenCreatedEvent();
        Assert.DoesNotContain(Receiver.RequestsFor(later.Id()!), r => r.Path == path);
    }

    /// <summary>Runs <paramref name="test"/> with an endpoint for token_created on a receiver path of its own; deletes it afterwards.</summary>
    private async Task WithEndpoint(string name, Func<string, CreatedWebhook, Task> test)
    {
        var path = WebhookE2E.NewPath(name);
        var webhook = await Host.CreateWebhook(Receiver.Url(path), TokenCreated);
        try
        {
            await test(path, webhook);
        }
        finally
        {
            await Host.DeleteWebhook(webhook.Id);
            Receiver.ResetPath(path);
        }
    }
}
