namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// One webhook endpoint: where events are POSTed, which event types (names or <c>*</c> globs, none = every type), in
/// which format, and with which signing secrets. Each endpoint is a durable sink of the event log named
/// <see cref="SinkName"/> (its own cursor, lease, pause and replay).
/// </summary>
/// <param name="Secrets">The signing secrets, newest first: after a rotation the previous one stays until its
/// <see cref="WebhookSecret.ExpiresAt"/> (the overlap) and deliveries carry a signature for each live secret.</param>
/// <param name="FailingSince">When the current run of failed attempts began (null after a success).</param>
/// <param name="DisabledAt">When the server disabled it (410 Gone, or failing for longer than the disable period); null
/// when enabled or disabled by an admin (see <see cref="Enabled"/>).</param>
public sealed record WebhookEndpoint(
    string Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    EventFormat Format,
    bool Enabled,
    string? Description,
    IReadOnlyList<WebhookSecret> Secrets,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FailingSince,
    DateTimeOffset? DisabledAt,
    string? DisabledReason)
{
    /// <summary>The prefix of every webhook endpoint's durable sink name.</summary>
    public const string SinkPrefix = "webhook:";

    public string SinkName => SinkPrefix + Id;

    public static string SinkNameOf(string id) => SinkPrefix + id;

    /// <summary>The id of the endpoint a durable sink delivers to, or null when the sink is no webhook endpoint.</summary>
    public static string? IdOfSink(string sink) => sink.StartsWith(SinkPrefix, StringComparison.Ordinal) ? sink[SinkPrefix.Length..] : null;

    /// <summary>The secrets that sign a delivery at <paramref name="now"/>.</summary>
    public IEnumerable<WebhookSecret> LiveSecrets(DateTimeOffset now) => Secrets.Where(s => s.ExpiresAt is not { } end || end > now);

    public override string ToString() => $"WebhookEndpoint {{ Id = {Id}, Url = {Url}, Enabled = {Enabled}, Format = {EventFormats.Name(Format)}, Secrets = {Secrets.Count} (redacted) }}";
}

/// <summary>A signing secret: <c>whsec_</c> + base64 of at least 24 random bytes. Never logged (ToString redacts it).</summary>
public sealed record WebhookSecret(string Value, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    public const string Prefix = "whsec_";

    public override string ToString() => $"WebhookSecret {{ Value = whsec_… (redacted), CreatedAt = {CreatedAt:O}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>What became of one attempt.</summary>
public enum WebhookAttemptOutcome
{
    /// <summary>2xx.</summary>
    Delivered,

    /// <summary>A failure with another attempt scheduled (see <see cref="WebhookAttempt.NextAttemptAt"/>).</summary>
    Retrying,

    /// <summary>A failure after the last attempt of the schedule: the event is not delivered to this endpoint.</summary>
    GaveUp,

    /// <summary>410 Gone, or the disable period ran out: the endpoint was disabled.</summary>
    EndpointDisabled,

    /// <summary>Not sent: the address is on a network deliveries may not reach (SSRF protection).</summary>
    Refused,
}

/// <summary>The outcomes' names, as the admin API shows them and the store keeps them (snake_case).</summary>
public static class WebhookAttemptOutcomes
{
    public static string Name(WebhookAttemptOutcome outcome) => outcome switch
    {
        WebhookAttemptOutcome.Delivered => "delivered",
        WebhookAttemptOutcome.Retrying => "retrying",
        WebhookAttemptOutcome.GaveUp => "gave_up",
        WebhookAttemptOutcome.EndpointDisabled => "endpoint_disabled",
        WebhookAttemptOutcome.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static WebhookAttemptOutcome Parse(string name)
    {
        foreach (var outcome in Enum.GetValues<WebhookAttemptOutcome>())
        {
            if (Name(outcome) == name)
            {
                return outcome;
            }
        }

        throw new InvalidDataException($"Unknown webhook attempt outcome '{name}'.");
    }
}

/// <summary>
/// One POST of one event to one endpoint (the attempts log). <paramref name="Attempt"/> counts from 1 per event and
/// endpoint, a redelivery continuing the count; <paramref name="ResponseBody"/> is truncated (at most 1 KiB).
/// </summary>
public sealed record WebhookAttempt(
    string EndpointId,
    string EventId,
    long Position,
    int Attempt,
    DateTimeOffset At,
    int? Status,
    string? Error,
    TimeSpan Latency,
    string? ResponseBody,
    WebhookAttemptOutcome Outcome,
    DateTimeOffset? NextAttemptAt);

/// <summary>An attempt due later: event <paramref name="EventId"/> (at log position <paramref name="Position"/>) to endpoint <paramref name="EndpointId"/>, attempt number <paramref name="Attempt"/>, not before <paramref name="DueAt"/>.</summary>
public sealed record WebhookRetry(string EndpointId, string EventId, long Position, int Attempt, DateTimeOffset DueAt);
