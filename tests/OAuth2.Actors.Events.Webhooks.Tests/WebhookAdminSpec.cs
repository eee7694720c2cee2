using OAuth2.Actors.Auth;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Events.Webhooks.Tests;

public sealed class WebhookAdminSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly InMemoryWebhookStore _store = new();
    private readonly FakeEventLogStore _log = new();
    private readonly Akka.TestKit.TestProbe _region;
    private readonly IActorRef _admin;

    public WebhookAdminSpec()
    {
        _region = CreateTestProbe();
        var settings = Support.LoopbackSettings with
        {
            AllowHttp = false,
            StaticEndpoint = new StaticWebhookEndpoint("https://static.example/hook", WebhookSigner.NewSecret(), ["token_*"], EventFormat.Envelope),
        };
        _admin = Sys.ActorOf(WebhookAdmin.Props(Support.Sinks(settings, _store, _log), _region));
    }

    private async Task<T> Ask<T>(object message) => Assert.IsType<T>(await _admin.Ask<object>(message, TimeSpan.FromSeconds(10)));

    private async Task<AdminFailure> Refused(object message, FailureKind kind, string detail)
    {
        var failure = await Ask<AdminFailure>(message);
        Assert.Equal(kind, failure.Kind);
        Assert.Contains(detail, failure.Detail, StringComparison.Ordinal);
        return failure;
    }

    [Fact]
    public async Task Create_with_an_invalid_field_is_a_bad_request_naming_it()
    {
        await Refused(new CreateWebhook("http://hooks.example/x", [], EventFormat.Envelope, true, null), FailureKind.BadRequest, "https");
        await Refused(new CreateWebhook("not a url", [], EventFormat.Envelope, true, null), FailureKind.BadRequest, "absolute");
        await Refused(new CreateWebhook("https://hooks.example/x", ["tokens_*"], EventFormat.Envelope, true, null), FailureKind.BadRequest, "matches no event type");
        await Refused(new CreateWebhook("https://hooks.example/x", [" "], EventFormat.Envelope, true, null), FailureKind.BadRequest, "empty entry");
        await Refused(new CreateWebhook("https://hooks.example/x", [], (EventFormat)42, true, null), FailureKind.BadRequest, "Unknown format");
        Assert.Null(_store.Endpoint("wh_any"));
    }

    [Fact]
    public async Task Create_stores_the_endpoint_with_a_new_secret_and_starts_its_sink()
    {
        var created = await Ask<WebhookCreated>(new CreateWebhook("https://hooks.example/x", ["token_*", "user_logout"], EventFormat.CloudEvents, true, "ops"));
        Assert.Matches("^wh_[0-9a-f]{16}$", created.Webhook.Endpoint.Id);
        Assert.Null(WebhookSigner.ValidateSecret(created.Secret));
        Assert.DoesNotContain(created.Secret, created.ToString(), StringComparison.Ordinal);
        Assert.All(created.Webhook.Endpoint.Secrets, s => Assert.Empty(s.Value));
        var stored = _store.Endpoint(created.Webhook.Endpoint.Id)!;
        Assert.Equal(created.Secret, stored.Secrets[0].Value);
        Assert.NotNull(_log.Sink(stored.SinkName));
        _region.FishForMessage<KeepSinkRunning>(k => k.Sink == stored.SinkName);
    }

    [Fact]
    public async Task The_static_endpoint_is_kept_from_the_environment_and_cannot_be_changed_deleted_or_rotated()
    {
        await Support.Eventually(() => _store.Endpoint(WebhookSettings.StaticEndpointId) is not null, "the static endpoint is stored");
        Assert.Equal("https://static.example/hook", _store.Endpoint("static")!.Url);
        await Refused(new UpdateWebhook("static", null, null, null, false, null), FailureKind.Conflict, "OAUTH2_WEBHOOKS_URL");
        await Refused(new DeleteWebhook("static"), FailureKind.Conflict, "OAUTH2_WEBHOOKS_URL");
        await Refused(new RotateWebhookSecret("static"), FailureKind.Conflict, "OAUTH2_WEBHOOKS_SECRET");
    }

    [Fact]
    public async Task Unknown_ids_are_not_found()
    {
        await Refused(new GetWebhook("wh_nope"), FailureKind.NotFound, "wh_nope");
        await Refused(new UpdateWebhook("wh_nope", null, null, null, true, null), FailureKind.NotFound, "wh_nope");
        await Refused(new RotateWebhookSecret("wh_nope"), FailureKind.NotFound, "wh_nope");
        await Refused(new GetWebhookAttempts("wh_nope", null, 10, null), FailureKind.NotFound, "wh_nope");
        await Refused(new RedeliverWebhookEvent("wh_nope", "evt"), FailureKind.NotFound, "wh_nope");
    }

    [Fact]
    public async Task Rotate_signs_with_the_new_secret_first_and_keeps_the_previous_for_the_overlap()
    {
        var created = await Ask<WebhookCreated>(new CreateWebhook("https://hooks.example/x", [], EventFormat.Envelope, true, null));
        var rotated = await Ask<WebhookSecretRotated>(new RotateWebhookSecret(created.Webhook.Endpoint.Id));
        var secrets = _store.Endpoint(created.Webhook.Endpoint.Id)!.Secrets;
        Assert.Equal([rotated.Secret, created.Secret], secrets.Select(s => s.Value));
        Assert.Null(secrets[0].ExpiresAt);
        Assert.Equal(rotated.PreviousExpiresAt, secrets[1].ExpiresAt);
    }

    [Fact]
    public async Task Update_validates_and_disabling_then_enabling_clears_the_failure_state()
    {
        var created = await Ask<WebhookCreated>(new CreateWebhook("https://hooks.example/x", [], EventFormat.Envelope, true, null));
        var id = created.Webhook.Endpoint.Id;
        await Refused(new UpdateWebhook(id, "https://hooks.example/#x", null, null, null, null), FailureKind.BadRequest, "fragment");
        await _store.SetFailureStateAsync(id, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "410 Gone", CancellationToken.None);
        await _store.UpdateAsync(_store.Endpoint(id)! with { Enabled = false }, CancellationToken.None);
        var enabled = await Ask<WebhookView>(new UpdateWebhook(id, null, ["client_*"], null, true, null));
        Assert.True(enabled.Endpoint.Enabled);
        Assert.Null(enabled.Endpoint.DisabledAt);
        Assert.Null(_store.Endpoint(id)!.FailingSince);
        Assert.Equal(["client_*"], _store.Endpoint(id)!.EventTypes);
    }

    [Fact]
    public async Task Redelivering_an_event_schedules_the_next_attempt_number_due_now()
    {
        var created = await Ask<WebhookCreated>(new CreateWebhook("https://hooks.example/x", [], EventFormat.Envelope, true, null));
        var id = created.Webhook.Endpoint.Id;
        await Refused(new RedeliverWebhookEvent(id, "evt-missing"), FailureKind.NotFound, "evt-missing");
        var envelope = Support.Envelope();
        await _log.AppendAsync([new LogAppend(envelope)], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), CancellationToken.None);
        await _store.RecordAttemptsAsync([new WebhookAttempt(id, envelope.Event.Id, 1, 3, DateTimeOffset.UtcNow, 500, "500", TimeSpan.Zero, null, WebhookAttemptOutcome.GaveUp, null)], CancellationToken.None);
        var scheduled = await Ask<WebhookRedeliveryScheduled>(new RedeliverWebhookEvent(id, envelope.Event.Id));
        Assert.Equal(4, scheduled.Attempt);
        var retry = Assert.Single(_store.Retries);
        Assert.Equal((envelope.Event.Id, 4, 1L), (retry.EventId, retry.Attempt, retry.Position));
    }

    [Fact]
    public async Task Attempts_are_paged_and_a_limit_out_of_range_is_a_bad_request()
    {
        var created = await Ask<WebhookCreated>(new CreateWebhook("https://hooks.example/x", [], EventFormat.Envelope, true, null));
        var id = created.Webhook.Endpoint.Id;
        await Refused(new GetWebhookAttempts(id, null, 0, null), FailureKind.BadRequest, "limit");
        var at = DateTimeOffset.UtcNow;
        await _store.RecordAttemptsAsync(Enumerable.Range(1, 3).Select(i => new WebhookAttempt(id, "evt", 1, i, at.AddSeconds(i), 500, null, TimeSpan.Zero, null, WebhookAttemptOutcome.Retrying, null)).ToArray(), CancellationToken.None);
        var page = await Ask<WebhookAttempts>(new GetWebhookAttempts(id, null, 2, null));
        Assert.Equal([3, 2], page.Attempts.Select(a => a.Attempt));
        var next = await Ask<WebhookAttempts>(new GetWebhookAttempts(id, null, 2, page.Next));
        Assert.Equal([1], next.Attempts.Select(a => a.Attempt));
        Assert.Null(next.Next);
    }
}
