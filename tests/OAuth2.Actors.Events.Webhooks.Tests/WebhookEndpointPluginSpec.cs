using System.Text.Json;
using OAuth2.Actors.Events.Webhooks;
using StandardWebhooks;

namespace OAuth2.Actors.Events.Webhooks.Tests;

/// <summary>The plugin against a real Kestrel receiver on loopback, one delivery rule per test.</summary>
public sealed class WebhookEndpointPluginSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly InMemoryWebhookStore _store = new();
    private readonly FakeEventLogStore _log = new();
    private readonly string _secret = WebhookSigner.NewSecret();
    private TestReceiver _receiver = null!;
    private WebhookSinks _sinks = null!;
    private Akka.TestKit.TestProbe _region = null!;

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _region = CreateTestProbe();
        _sinks = Support.Sinks(Support.LoopbackSettings, _store, _log);
        _sinks.AttachRegion(_region);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _sinks.Dispose();
    }

    private async Task<(WebhookEndpointPlugin Plugin, EventEnvelope Envelope)> Deliver(string path, EventFormat format = EventFormat.Envelope, IReadOnlyList<string>? types = null, WebhookSinks? sinks = null)
    {
        await _store.CreateAsync(Support.Endpoint("wh_1", _receiver.Url(path), _secret, types, format), CancellationToken.None);
        var envelope = Support.Envelope();
        await _log.AppendAsync([new LogAppend(envelope)], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), CancellationToken.None);
        var plugin = (WebhookEndpointPlugin)(sinks ?? _sinks).CreatePlugin("webhook:wh_1")!;
        await plugin.EmitAsync(envelope, CancellationToken.None);
        return (plugin, envelope);
    }

    private Task<IReadOnlyList<WebhookAttempt>> AttemptsOf(string eventId, int count) =>
        Wait(() => _store.Attempts.Where(a => a.EventId == eventId).OrderBy(a => a.Attempt).ToArray(), a => a.Count >= count, $"{count} attempt(s) recorded");

    private static async Task<IReadOnlyList<T>> Wait<T>(Func<IReadOnlyList<T>> read, Func<IReadOnlyList<T>, bool> done, string what)
    {
        IReadOnlyList<T> value = [];
        await Support.Eventually(() => done(value = read()), what);
        return value;
    }

    [Fact]
    public async Task A_2xx_is_delivered_once_signed_per_Standard_Webhooks()
    {
        var (plugin, envelope) = await Deliver("/ok");
        await using var _ = plugin;
        var request = Assert.Single(_receiver.For("/ok"));
        Assert.Equal(envelope.Event.Id, request.Headers["webhook-id"].ToString());
        Assert.Equal("application/json", request.Headers.ContentType.ToString());
        Assert.Equal(WebhookHttp.UserAgent, request.Headers.UserAgent.ToString());
        Assert.Equal(EventJson.Serialize(envelope), request.Text);
        new StandardWebhook(_secret).Verify(request.Text, request.Headers);
        var attempt = Assert.Single(await AttemptsOf(envelope.Event.Id, 1));
        Assert.Equal((WebhookAttemptOutcome.Delivered, 1, 204), (attempt.Outcome, attempt.Attempt, attempt.Status));
        Assert.Empty(_store.Retries);
    }

    [Fact]
    public async Task A_3xx_is_a_failure_and_the_redirect_is_not_followed()
    {
        var (plugin, envelope) = await Deliver("/redirect");
        await using var _ = plugin;
        var first = (await AttemptsOf(envelope.Event.Id, 1))[0];
        Assert.Equal((WebhookAttemptOutcome.Retrying, 302), (first.Outcome, first.Status));
        await _receiver.WaitFor("/redirect", 3);
        Assert.Empty(_receiver.For("/target"));
        Assert.Equal(WebhookAttemptOutcome.GaveUp, (await AttemptsOf(envelope.Event.Id, 3))[2].Outcome);
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_pauses_its_sink_and_keeps_the_event_as_a_retry_due_at_once()
    {
        var (plugin, envelope) = await Deliver("/gone");
        await using var _ = plugin;
        _region.ExpectMsg<PauseSink>(p => Assert.Equal("webhook:wh_1", p.Sink));
        var endpoint = _store.Endpoint("wh_1")!;
        Assert.False(endpoint.Enabled);
        Assert.NotNull(endpoint.DisabledAt);
        Assert.Contains("410", endpoint.DisabledReason, StringComparison.Ordinal);
        var retry = Assert.Single(_store.Retries);
        Assert.Equal((envelope.Event.Id, 2), (retry.EventId, retry.Attempt));
        Assert.True(retry.DueAt <= DateTimeOffset.UtcNow);
        Assert.Equal(WebhookAttemptOutcome.EndpointDisabled, (await AttemptsOf(envelope.Event.Id, 1))[0].Outcome);

        // Later events wait in the log (the consumer holds them), none is sent while it is disabled.
        await Assert.ThrowsAsync<WebhookEndpointDisabledException>(() => plugin.EmitAsync(Support.Envelope(), CancellationToken.None));
        await Task.Delay(500);
        Assert.Single(_receiver.For("/gone"));

        // An admin enables it again (pointing it elsewhere): the event kept as a retry is delivered, same id, attempt 2.
        await _store.UpdateAsync(_store.Endpoint("wh_1")! with { Enabled = true, Url = _receiver.Url("/ok"), DisabledAt = null, DisabledReason = null }, CancellationToken.None);
        var redelivered = Assert.Single(await _receiver.WaitFor("/ok", 1));
        Assert.Equal(envelope.Event.Id, redelivered.Headers["webhook-id"].ToString());
        var attempts = await AttemptsOf(envelope.Event.Id, 2);
        Assert.Equal((2, WebhookAttemptOutcome.Delivered), (attempts[1].Attempt, attempts[1].Outcome));
    }

    [Fact]
    public async Task An_endpoint_failing_for_longer_than_the_disable_period_is_disabled_and_keeps_the_event()
    {
        using var sinks = Support.Sinks(Support.LoopbackSettings with { DisableAfter = TimeSpan.FromMinutes(1) }, _store, _log);
        sinks.AttachRegion(_region);
        await _store.CreateAsync(Support.Endpoint("wh_1", _receiver.Url("/fail"), _secret) with { FailingSince = DateTimeOffset.UtcNow.AddHours(-1) }, CancellationToken.None);
        var envelope = Support.Envelope();
        await _log.AppendAsync([new LogAppend(envelope)], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), CancellationToken.None);
        await using var plugin = (WebhookEndpointPlugin)sinks.CreatePlugin("webhook:wh_1")!;
        await plugin.EmitAsync(envelope, CancellationToken.None);
        _region.ExpectMsg<PauseSink>();
        var endpoint = _store.Endpoint("wh_1")!;
        Assert.False(endpoint.Enabled);
        Assert.Contains("failing", endpoint.DisabledReason, StringComparison.Ordinal);
        var retry = Assert.Single(_store.Retries);
        Assert.Equal((2, 1L), (retry.Attempt, retry.Position));
        Assert.Equal(WebhookAttemptOutcome.EndpointDisabled, (await AttemptsOf(envelope.Event.Id, 1))[0].Outcome);
    }

    [Fact]
    public async Task A_429_with_Retry_After_delays_the_next_attempt_by_it()
    {
        var (plugin, envelope) = await Deliver("/throttle");
        await using var _ = plugin;
        var first = (await AttemptsOf(envelope.Event.Id, 1))[0];
        Assert.Equal((WebhookAttemptOutcome.Retrying, 429), (first.Outcome, first.Status));
        var delay = first.NextAttemptAt!.Value - first.At;
        Assert.InRange(delay.TotalSeconds, 2.5, 3.5);
        await Task.Delay(1000);
        Assert.Single(_receiver.For("/throttle"));
    }

    [Fact]
    public async Task A_500_is_retried_on_the_schedule_with_the_same_webhook_id_until_it_succeeds()
    {
        var (plugin, envelope) = await Deliver("/fail-then-ok/2");
        await using var _ = plugin;
        var requests = await _receiver.WaitFor("/fail-then-ok/2", 3);
        Assert.All(requests, r => Assert.Equal(envelope.Event.Id, r.Headers["webhook-id"].ToString()));
        Assert.All(requests, r => new StandardWebhook(_secret).Verify(r.Text, r.Headers));
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(200));
        var attempts = await AttemptsOf(envelope.Event.Id, 3);
        Assert.Equal([WebhookAttemptOutcome.Retrying, WebhookAttemptOutcome.Retrying, WebhookAttemptOutcome.Delivered], attempts.Select(a => a.Outcome));
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal("not yet", attempts[0].ResponseBody);
        await Support.Eventually(() => _store.Retries.Count == 0, "the retry is removed");
        await Support.Eventually(() => _store.Endpoint("wh_1")!.FailingSince is null, "the failure state is cleared by the success");
    }

    [Fact]
    public async Task Events_handed_over_from_the_log_are_recorded_with_their_log_position_on_every_attempt()
    {
        await _store.CreateAsync(Support.Endpoint("wh_1", _receiver.Url("/fail-then-ok/1"), _secret, null, EventFormat.Envelope), CancellationToken.None);
        var earlier = Support.Envelope();
        var envelope = Support.Envelope();
        await _log.AppendAsync([new LogAppend(earlier), new LogAppend(envelope)], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), CancellationToken.None);
        var logged = (await _log.FindAsync(envelope.Event.Id, CancellationToken.None))!;
        Assert.True(logged.Position > 1);
        await using var plugin = (WebhookEndpointPlugin)_sinks.CreatePlugin("webhook:wh_1")!;

        await plugin.EmitLoggedAsync([logged], CancellationToken.None);

        var attempts = await AttemptsOf(envelope.Event.Id, 2);
        Assert.Equal([WebhookAttemptOutcome.Retrying, WebhookAttemptOutcome.Delivered], attempts.Select(a => a.Outcome));
        Assert.All(attempts, a => Assert.Equal(logged.Position, a.Position));
    }

    [Fact]
    public async Task The_sink_waits_for_a_batch_as_long_as_its_requests_may_take()
    {
        var settings = Support.LoopbackSettings with { Timeout = TimeSpan.FromSeconds(15) };
        using var sinks = Support.Sinks(settings, _store, _log);
        await using var plugin = new WebhookEndpointPlugin("wh_1", sinks);

        // Its batches wait for the others' requests: the server's 5 s plugin timeout would re-emit them meanwhile.
        Assert.True(plugin.Options.Timeout > settings.Timeout * plugin.Options.Parallelism);
    }

    [Fact]
    public async Task After_the_last_retry_of_the_schedule_the_event_is_given_up_and_the_response_body_is_truncated()
    {
        var (plugin, envelope) = await Deliver("/fail");
        await using var _ = plugin;
        var attempts = await AttemptsOf(envelope.Event.Id, 3);
        Assert.Equal(WebhookAttemptOutcome.GaveUp, attempts[2].Outcome);
        Assert.Equal(WebhookSettings.ResponseBodyLimit, attempts[0].ResponseBody!.Length);
        await Support.Eventually(() => _store.Retries.Count == 0, "the retry is removed");
        Assert.NotNull(_store.Endpoint("wh_1")!.FailingSince);
        await Task.Delay(600);
        Assert.Equal(3, _receiver.For("/fail").Count);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_is_a_timeout_and_retried()
    {
        using var impatient = Support.Sinks(Support.LoopbackSettings with { Timeout = TimeSpan.FromSeconds(1) }, _store, _log);
        var (plugin, envelope) = await Deliver("/hang", sinks: impatient);
        await using var _ = plugin;
        var first = (await AttemptsOf(envelope.Event.Id, 1))[0];
        Assert.Equal(WebhookAttemptOutcome.Retrying, first.Outcome);
        Assert.Null(first.Status);
        Assert.Contains("timed out", first.Error, StringComparison.Ordinal);
        await _receiver.WaitFor("/hang", 2);
    }

    [Fact]
    public async Task A_loopback_endpoint_is_refused_without_private_networks_and_never_contacted()
    {
        using var strict = Support.Sinks(Support.LoopbackSettings with { AllowPrivateNetworks = false }, _store, _log);
        var (plugin, envelope) = await Deliver("/ok", sinks: strict);
        await using var _ = plugin;
        var attempt = Assert.Single(await AttemptsOf(envelope.Event.Id, 1));
        Assert.Equal(WebhookAttemptOutcome.Refused, attempt.Outcome);
        Assert.Contains("loopback", attempt.Error, StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);
        Assert.Empty(_store.Retries);
        Assert.NotNull(_store.Endpoint("wh_1")!.FailingSince);
    }

    [Fact]
    public async Task Events_outside_the_endpoints_type_filter_are_not_sent()
    {
        var (plugin, envelope) = await Deliver("/ok", types: ["user_*"]);
        await using var _ = plugin;
        Assert.Empty(_receiver.Requests);
        await plugin.EmitAsync(Support.Envelope(EventType.UserAuthenticated), CancellationToken.None);
        Assert.Single(_receiver.For("/ok"));
        Assert.NotEqual(envelope.Event.Id, _receiver.For("/ok")[0].Headers["webhook-id"].ToString());
    }

    [Fact]
    public async Task CloudEvents_binary_puts_the_attributes_in_ce_headers_and_the_data_in_the_signed_body()
    {
        var (plugin, envelope) = await Deliver("/ok", EventFormat.CloudEvents);
        await using var _ = plugin;
        var request = Assert.Single(_receiver.For("/ok"));
        Assert.Equal(envelope.Event.Id, request.Headers["ce-id"].ToString());
        Assert.Equal("1.0", request.Headers["ce-specversion"].ToString());
        Assert.Equal("https://issuer.example", request.Headers["ce-source"].ToString());
        Assert.Equal("com.oauth2actors.token.created", request.Headers["ce-type"].ToString());
        Assert.Equal("user-1", request.Headers["ce-subject"].ToString());
        Assert.Equal("corr-1", request.Headers["ce-correlationid"].ToString());
        Assert.Equal("application/json", request.Headers.ContentType.ToString());
        using var data = JsonDocument.Parse(request.Body);
        Assert.Equal(envelope.Event.Id, data.RootElement.GetProperty("id").GetString());
        new StandardWebhook(_secret).Verify(request.Text, request.Headers);
    }

    [Fact]
    public async Task CloudEvents_structured_sends_one_application_cloudevents_json_document()
    {
        var (plugin, envelope) = await Deliver("/ok", EventFormat.CloudEventsStructured);
        await using var _ = plugin;
        var request = Assert.Single(_receiver.For("/ok"));
        Assert.Equal("application/cloudevents+json", request.Headers.ContentType.ToString());
        using var document = JsonDocument.Parse(request.Body);
        Assert.Equal(envelope.Event.Id, document.RootElement.GetProperty("id").GetString());
        Assert.Equal("com.oauth2actors.token.created", document.RootElement.GetProperty("type").GetString());
        new StandardWebhook(_secret).Verify(request.Text, request.Headers);
    }

    [Fact]
    public async Task A_batch_is_posted_concurrently_and_a_replay_of_it_is_posted_again()
    {
        await _store.CreateAsync(Support.Endpoint("wh_1", _receiver.Url("/ok"), _secret), CancellationToken.None);
        await using var plugin = (WebhookEndpointPlugin)_sinks.CreatePlugin("webhook:wh_1")!;
        var batch = Enumerable.Range(0, 200).Select(_ => Support.Envelope()).ToArray();
        await plugin.EmitBatchAsync(batch, CancellationToken.None);
        Assert.Equal(200, _receiver.For("/ok").Select(r => r.Headers["webhook-id"].ToString()).Distinct().Count());
        await plugin.EmitBatchAsync(batch, CancellationToken.None);
        Assert.Equal(400, _receiver.For("/ok").Count);
    }

    [Fact]
    public async Task A_slow_batch_emitted_again_after_the_consumer_stopped_waiting_is_not_posted_twice()
    {
        using var sinks = Support.Sinks(Support.LoopbackSettings with { Timeout = TimeSpan.FromSeconds(5) }, _store, _log);
        await _store.CreateAsync(Support.Endpoint("wh_1", _receiver.Url("/slow"), _secret), CancellationToken.None);
        await using var plugin = (WebhookEndpointPlugin)sinks.CreatePlugin("webhook:wh_1")!;
        var batch = Enumerable.Range(0, 4).Select(_ => Support.Envelope()).ToArray();
        var first = plugin.EmitBatchAsync(batch, CancellationToken.None);
        await Task.Delay(300);
        var again = plugin.EmitBatchAsync(batch, CancellationToken.None);
        await Task.WhenAll(first, again);
        await plugin.EmitBatchAsync(batch, CancellationToken.None);
        Assert.Equal(4, _receiver.For("/slow").Count);
    }
}
