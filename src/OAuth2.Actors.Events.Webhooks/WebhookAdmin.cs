using System.Security.Cryptography;
using Akka.Event;
using OAuth2.Actors.Auth;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// Manages the webhook endpoints for the host's <c>/admin/api/webhooks</c> handlers (one per node, registered in the
/// ActorRegistry): validates each request, works on the shared store, the event log's sink rows and the
/// <c>event-sinks</c> region, and answers with the reply of <see cref="WebhookProtocol"/> or an <see cref="AdminFailure"/>.
/// Requests are handled one at a time (a change to an endpoint cannot interleave with another), their store calls piped
/// back to itself. At start it keeps the static endpoint (OAUTH2_WEBHOOKS_URL) in the store as the environment says.
/// </summary>
public sealed partial class WebhookAdmin : ReceiveActor, IWithStash, IWithTimers
{
    /// <summary>How long a view waits for the sink's consumer to tell its state (null in the view past it).</summary>
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a pause, resume or replay waits for the sink's consumer.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    public const int MaxDescriptionLength = 1000;

    public const int MaxAttemptsPage = 1000;

    private readonly WebhookSettings _settings;
    private readonly IWebhookStore _store;
    private readonly IEventLogStore _log;
    private readonly TimeProvider _time;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _logger = Context.GetLogger();

    public WebhookAdmin(WebhookSinks sinks, IActorRef region)
    {
        _settings = sinks.Settings;
        _store = sinks.Store;
        _log = sinks.Log;
        _time = sinks.Time;
        _region = region;
        Ready();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(WebhookSinks sinks, IActorRef region) => Akka.Actor.Props.Create(() => new WebhookAdmin(sinks, region));

    protected override void PreStart() => Self.Tell(EnsureStatic.Instance);

    private void Ready()
    {
        Receive<EnsureStatic>(_ => Run(EnsureStaticAsync, ActorRefs.Nobody));
        Receive<CreateWebhook>(m => Run(() => CreateAsync(m), Sender));
        Receive<ListWebhooks>(_ => Run(ListAsync, Sender));
        Receive<GetWebhook>(m => Run(() => GetAsync(m.Id), Sender));
        Receive<UpdateWebhook>(m => Run(() => UpdateAsync(m), Sender));
        Receive<DeleteWebhook>(m => Run(() => DeleteAsync(m.Id), Sender));
        Receive<RotateWebhookSecret>(m => Run(() => RotateAsync(m.Id), Sender));
        Receive<GetWebhookAttempts>(m => Run(() => AttemptsAsync(m), Sender));
        Receive<RedeliverWebhookEvent>(m => Run(() => RedeliverEventAsync(m), Sender));
        Receive<RedeliverWebhookRange>(m => Run(() => RedeliverRangeAsync(m), Sender));
    }

    private void Working()
    {
        Receive<Completed>(c =>
        {
            if (c.Reply is AdminFailure { Kind: FailureKind.Unavailable } && c.ReplyTo.IsNobody())
            {
                // The static endpoint could not be kept at start: the store did not answer.
                Timers.StartSingleTimer(EnsureStatic.Instance, EnsureStatic.Instance, TimeSpan.FromSeconds(5));
            }
            else if (!c.ReplyTo.IsNobody())
            {
                c.ReplyTo.Tell(c.Reply);
            }

            Become(Ready);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Run(Func<Task<object>> work, IActorRef replyTo)
    {
        Become(Working);
        var logger = _logger;
        Guard(work, logger).PipeTo(Self, success: reply => new Completed(reply, replyTo));
    }

    /// <summary>Runs one request's work; a store that does not answer becomes <c>Unavailable</c> (never an exception to the caller).</summary>
    private static async Task<object> Guard(Func<Task<object>> work, ILoggingAdapter logger)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.Warning("Webhook admin: the store did not answer ({Error})", e.GetType().Name + ": " + e.Message);
            return new AdminFailure(FailureKind.Unavailable, "Webhook store unavailable", "The webhook store did not answer; try again.");
        }
    }

    // ---- Requests (run off the actor: they touch only the immutable fields)

    private async Task<object> CreateAsync(CreateWebhook m)
    {
        if ((ValidateUrl(m.Url) ?? ValidateTypes(m.EventTypes) ?? ValidateFormat(m.Format) ?? ValidateDescription(m.Description)) is { } invalid)
        {
            return invalid;
        }

        var now = _time.GetUtcNow();
        var id = "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = WebhookSigner.NewSecret();
        var endpoint = new WebhookEndpoint(id, m.Url.Trim(), Types(m.EventTypes), m.Format, m.Enabled, m.Description, [new WebhookSecret(secret, now, null)], now, now, null, null, null);
        await _store.CreateAsync(endpoint, CancellationToken.None).ConfigureAwait(false);
        await _log.EnsureSinksAsync([endpoint.SinkName], CancellationToken.None).ConfigureAwait(false);
        if (!endpoint.Enabled)
        {
            // No consumer yet: the flag in its row is what it starts with.
            await _log.SetSinkPausedAsync(endpoint.SinkName, true, CancellationToken.None).ConfigureAwait(false);
        }

        _region.Tell(new KeepSinkRunning(endpoint.SinkName), ActorRefs.NoSender);
        _logger.Info("Webhook endpoint {EndpointId} created for {Url} (enabled: {Enabled})", id, endpoint.Url, endpoint.Enabled);
        return new WebhookCreated(new WebhookView(Redacted(endpoint), null, 0, null), secret);
    }

    private async Task<object> ListAsync()
    {
        var endpoints = await _store.ListAsync(CancellationToken.None).ConfigureAwait(false);
        var views = await Task.WhenAll(endpoints.Select(ViewAsync)).ConfigureAwait(false);
        return new WebhookList(views);
    }

    private async Task<object> GetAsync(string id) =>
        await _store.GetAsync(id, CancellationToken.None).ConfigureAwait(false) is { } endpoint
            ? await ViewAsync(endpoint).ConfigureAwait(false)
            : NotFound(id);

    private async Task<object> UpdateAsync(UpdateWebhook m)
    {
        if (m.Id == WebhookSettings.StaticEndpointId)
        {
            return StaticConflict("changed");
        }

        if (((m.Url is null ? null : ValidateUrl(m.Url))
            ?? (m.EventTypes is null ? null : ValidateTypes(m.EventTypes))
            ?? (m.Format is { } format ? ValidateFormat(format) : null)
            ?? ValidateDescription(m.Description)) is { } invalid)
        {
            return invalid;
        }

        if (await _store.GetAsync(m.Id, CancellationToken.None).ConfigureAwait(false) is not { } existing)
        {
            return NotFound(m.Id);
        }

        var now = _time.GetUtcNow();
        var updated = existing with
        {
            Url = m.Url?.Trim() ?? existing.Url,
            EventTypes = m.EventTypes is null ? existing.EventTypes : Types(m.EventTypes),
            Format = m.Format ?? existing.Format,
            Description = m.Description ?? existing.Description,
            UpdatedAt = now,
        };
        var enabling = m.Enabled == true && !existing.Enabled;
        var disabling = m.Enabled == false && existing.Enabled;
        if (enabling)
        {
            updated = updated with { Enabled = true, FailingSince = null, DisabledAt = null, DisabledReason = null };
        }
        else if (disabling)
        {
            updated = updated with { Enabled = false };
        }

        if (!await _store.UpdateAsync(updated, CancellationToken.None).ConfigureAwait(false))
        {
            return NotFound(m.Id);
        }

        if (enabling)
        {
            await _store.SetFailureStateAsync(m.Id, null, null, null, CancellationToken.None).ConfigureAwait(false);
            await SetPausedAsync(updated.SinkName, false).ConfigureAwait(false);
            _logger.Info("Webhook endpoint {EndpointId} enabled: its sink resumes from its cursor", m.Id);
        }
        else if (disabling)
        {
            await SetPausedAsync(updated.SinkName, true).ConfigureAwait(false);
            _logger.Info("Webhook endpoint {EndpointId} disabled by an admin: its events wait in the log", m.Id);
        }

        return await ViewAsync(updated).ConfigureAwait(false);
    }

    private async Task<object> DeleteAsync(string id)
    {
        if (id == WebhookSettings.StaticEndpointId)
        {
            return StaticConflict("deleted");
        }

        if (await _store.GetAsync(id, CancellationToken.None).ConfigureAwait(false) is null)
        {
            return NotFound(id);
        }

        await RetireAsync(id).ConfigureAwait(false);
        return new WebhookDeleted(id);
    }

    /// <summary>Stops the endpoint's consumer for good, then deletes its sink row (cursor) and the endpoint with its retries and attempts.</summary>
    private async Task RetireAsync(string id)
    {
        var sink = WebhookEndpoint.SinkNameOf(id);
        _region.Tell(new RetireSink(sink), ActorRefs.NoSender);
        await _log.DeleteSinkAsync(sink, CancellationToken.None).ConfigureAwait(false);
        await _store.DeleteAsync(id, CancellationToken.None).ConfigureAwait(false);
        _logger.Info("Webhook endpoint {EndpointId} deleted with its sink, retries and attempts", id);
    }

    private async Task<object> RotateAsync(string id)
    {
        if (id == WebhookSettings.StaticEndpointId)
        {
            return StaticConflict("given a new secret (its secret is OAUTH2_WEBHOOKS_SECRET)");
        }

        if (await _store.GetAsync(id, CancellationToken.None).ConfigureAwait(false) is not { } existing)
        {
            return NotFound(id);
        }

        var now = _time.GetUtcNow();
        var secret = WebhookSigner.NewSecret();
        var rotated = existing with { Secrets = Rotate(existing.Secrets, secret, now, _settings.SecretOverlap), UpdatedAt = now };
        if (!await _store.UpdateAsync(rotated, CancellationToken.None).ConfigureAwait(false))
        {
            return NotFound(id);
        }

        _logger.Info("Webhook endpoint {EndpointId}: secret rotated; the previous one also signs until {Until}", id, now + _settings.SecretOverlap);
        return new WebhookSecretRotated(id, secret, now + _settings.SecretOverlap);
    }

    /// <summary>The new secret first; the ones that had no end get one after the overlap; expired ones dropped.</summary>
    internal static IReadOnlyList<WebhookSecret> Rotate(IReadOnlyList<WebhookSecret> secrets, string secret, DateTimeOffset now, TimeSpan overlap)
    {
        var until = now + overlap;
        var kept = secrets
            .Where(s => s.ExpiresAt is not { } end || end > now)
            .Select(s => s.ExpiresAt is { } end && end <= until ? s : s with { ExpiresAt = until })
            .Where(s => s.ExpiresAt > now);
        return [new WebhookSecret(secret, now, null), .. kept];
    }


    // ---- Helpers

    private async Task<WebhookView> ViewAsync(WebhookEndpoint endpoint)
    {
        var status = SinkStatusAsync(endpoint.SinkName);
        var pending = await _store.PendingRetriesAsync(endpoint.Id, CancellationToken.None).ConfigureAwait(false);
        return new WebhookView(Redacted(endpoint), await status.ConfigureAwait(false), pending.Count, pending.NextDueAt);
    }

    private async Task<SinkStatus?> SinkStatusAsync(string sink)
    {
        try
        {
            return await _region.Ask<object>(new GetSinkStatus(sink), StatusTimeout).ConfigureAwait(false) as SinkStatus;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>Pauses or resumes the sink through its consumer; when none answers (starting, or not running), in its row, which a consumer starts with.</summary>
    private async Task SetPausedAsync(string sink, bool paused)
    {
        try
        {
            if (await _region.Ask<object>(paused ? new PauseSink(sink) : new ResumeSink(sink), CommandTimeout).ConfigureAwait(false) is SinkStatus)
            {
                return;
            }
        }
        catch (AskTimeoutException)
        {
        }

        await _log.SetSinkPausedAsync(sink, paused, CancellationToken.None).ConfigureAwait(false);
    }

    private sealed record Completed(object Reply, IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    private sealed record EnsureStatic : INoSerializationVerificationNeeded
    {
        public static readonly EnsureStatic Instance = new();
    }

    private sealed record Done
    {
        public static readonly Done Instance = new();
    }
}
