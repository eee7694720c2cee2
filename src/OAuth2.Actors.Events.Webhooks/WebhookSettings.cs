namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// How webhook deliveries behave (OAUTH2_WEBHOOKS_*, read and validated by the host at start). The defaults are the
/// Standard Webhooks specification's: a 15 s timeout and the retry schedule 5s,5m,30m,2h,5h,10h,10h (each retry
/// jittered), endpoints failing continuously for 5 days disabled.
/// </summary>
public sealed record WebhookSettings
{
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>OAUTH2_WEBHOOKS_TIMEOUT_SECONDS: one attempt's limit, connect to last byte.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>OAUTH2_WEBHOOKS_RETRY_SCHEDULE: the delay before each retry after the first attempt (so 1 + Count attempts).</summary>
    public IReadOnlyList<TimeSpan> RetrySchedule { get; init; } = DefaultRetrySchedule;

    /// <summary>OAUTH2_WEBHOOKS_ALLOW_HTTP: plain http:// endpoint URLs are accepted (otherwise https only).</summary>
    public bool AllowHttp { get; init; }

    /// <summary>OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: deliveries may reach loopback, private, link-local and metadata addresses.</summary>
    public bool AllowPrivateNetworks { get; init; }

    /// <summary>OAUTH2_WEBHOOKS_DISABLE_AFTER: an endpoint failing without a success for this long is disabled.</summary>
    public TimeSpan DisableAfter { get; init; } = TimeSpan.FromDays(5);

    /// <summary>OAUTH2_WEBHOOKS_SECRET_OVERLAP: after a rotation, how long the previous secret still signs (both signatures are sent).</summary>
    public TimeSpan SecretOverlap { get; init; } = TimeSpan.FromHours(24);

    /// <summary>OAUTH2_WEBHOOKS_MAX_IN_FLIGHT: at most this many deliveries to one endpoint at a time.</summary>
    public int MaxInFlight { get; init; } = 16;

    /// <summary>The CloudEvents <c>source</c> of deliveries in a CloudEvents format: the server's issuer URI (OAUTH2_ISSUER).</summary>
    public Uri EventSource { get; init; } = new("urn:oauth2-actors");

    /// <summary>How often an endpoint's consumer looks for retries that have fallen due (the schedule's granularity).</summary>
    public TimeSpan RetryPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The endpoint from OAUTH2_WEBHOOKS_URL (with _SECRET, _EVENT_TYPES, _FORMAT), if set: kept in the store under <see cref="StaticEndpointId"/> at start, read-only in the admin API.</summary>
    public StaticWebhookEndpoint? StaticEndpoint { get; init; }

    /// <summary>The id of the endpoint configured from the environment.</summary>
    public const string StaticEndpointId = "static";

    /// <summary>At most this much of a response body is kept in the attempts log.</summary>
    public const int ResponseBodyLimit = 1024;
}

/// <summary>The endpoint configured from the environment (its secret given there, <c>whsec_</c> + base64).</summary>
public sealed record StaticWebhookEndpoint(string Url, string Secret, IReadOnlyList<string> EventTypes, EventFormat Format)
{
    public override string ToString() => $"StaticWebhookEndpoint {{ Url = {Url}, Secret = (redacted), Format = {EventFormats.Name(Format)} }}";
}
