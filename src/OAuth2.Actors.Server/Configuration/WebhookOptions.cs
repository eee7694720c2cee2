using System.ComponentModel.DataAnnotations;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>
/// OAUTH2_WEBHOOKS_*: how webhook deliveries behave, and the optional endpoint configured from the environment. Read
/// only when OAUTH2_EVENTS_BACKEND names <c>webhook</c>; validated at start (see <see cref="WebhookOptionsValidator"/>)
/// and turned into <see cref="WebhookSettings"/>. The defaults are written here only.
/// </summary>
public sealed class WebhookOptions
{
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_TIMEOUT_SECONDS")]
    [Range(1, 600, ErrorMessage = "OAUTH2_WEBHOOKS_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 600.")]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>The delay before each retry: comma-separated durations with a unit (s, m, h).</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_RETRY_SCHEDULE")]
    public string RetrySchedule { get; set; } = "5s,5m,30m,2h,5h,10h,10h";

    [ConfigurationKeyName("OAUTH2_WEBHOOKS_ALLOW_HTTP")]
    public bool AllowHttp { get; set; }

    [ConfigurationKeyName("OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS")]
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>An endpoint failing without a success for this long is disabled (a duration: 12h, 5d).</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_DISABLE_AFTER")]
    public string DisableAfter { get; set; } = "5d";

    /// <summary>How long the previous secret still signs after a rotation (a duration: 30m, 24h, 2d).</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_SECRET_OVERLAP")]
    public string SecretOverlap { get; set; } = "24h";

    [ConfigurationKeyName("OAUTH2_WEBHOOKS_MAX_IN_FLIGHT")]
    [Range(1, 1024, ErrorMessage = "OAUTH2_WEBHOOKS_MAX_IN_FLIGHT must be a whole number from 1 to 1024.")]
    public int MaxInFlight { get; set; } = 16;

    /// <summary>The static endpoint (id <c>static</c>), read-only in the admin API.</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_URL")]
    public string? Url { get; set; }

    /// <summary>The static endpoint's signing secret: <c>whsec_</c> + base64 of at least 24 random bytes.</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_SECRET")]
    public string? Secret { get; set; }

    /// <summary>The static endpoint's event types: comma-separated names or globs (empty: every type).</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_EVENT_TYPES")]
    public string? EventTypes { get; set; }

    /// <summary>The static endpoint's format: envelope (default), cloudevents or cloudevents-structured.</summary>
    [ConfigurationKeyName("OAUTH2_WEBHOOKS_FORMAT")]
    public string? Format { get; set; }

    /// <summary>The settings; call only on options the validator accepted.</summary>
    public WebhookSettings ToSettings() => new()
    {
        Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
        RetrySchedule = Events.Webhooks.RetrySchedule.Parse(RetrySchedule),
        AllowHttp = AllowHttp,
        AllowPrivateNetworks = AllowPrivateNetworks,
        DisableAfter = Events.Webhooks.RetrySchedule.ParseDuration(DisableAfter),
        SecretOverlap = Events.Webhooks.RetrySchedule.ParseDuration(SecretOverlap),
        MaxInFlight = MaxInFlight,
        StaticEndpoint = string.IsNullOrWhiteSpace(Url)
            ? null
            : new StaticWebhookEndpoint(Url.Trim(), Secret!.Trim(), TypeList(EventTypes), ParsedFormat),
    };

    internal EventFormat ParsedFormat => EventFormats.TryParse(Format, out var format) ? format : EventFormat.Envelope;

    internal static IReadOnlyList<string> TypeList(string? types) =>
        (types ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"WebhookOptions {{ Url = {Url}, Secret = {(Secret is null ? "(none)" : "(redacted)")} }}";
}

/// <summary>Refuses to start on webhook settings that cannot work, naming the variable at fault.</summary>
public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    /// <summary>The fewest random bytes a signing secret holds (Standard Webhooks: 24 to 64).</summary>
    public const int MinSecretBytes = 24;

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!RetrySchedule.TryParse(options.RetrySchedule, out _, out var scheduleProblem))
        {
            failures.Add($"OAUTH2_WEBHOOKS_RETRY_SCHEDULE '{options.RetrySchedule}' is not a retry schedule: {scheduleProblem}");
        }

        Duration("OAUTH2_WEBHOOKS_DISABLE_AFTER", options.DisableAfter, failures);
        Duration("OAUTH2_WEBHOOKS_SECRET_OVERLAP", options.SecretOverlap, failures);

        var hasUrl = !string.IsNullOrWhiteSpace(options.Url);
        if (hasUrl && WebhookUrl.Validate(options.Url, options.AllowHttp) is { } urlProblem)
        {
            failures.Add($"OAUTH2_WEBHOOKS_URL '{options.Url}' is not usable: {urlProblem}");
        }

        if (hasUrl && string.IsNullOrWhiteSpace(options.Secret))
        {
            failures.Add("OAUTH2_WEBHOOKS_SECRET is required with OAUTH2_WEBHOOKS_URL: whsec_ followed by the base64 of at least 24 random bytes (e.g. whsec_$(openssl rand -base64 32)).");
        }
        else if (!string.IsNullOrWhiteSpace(options.Secret) && SecretProblem(options.Secret.Trim()) is { } secretProblem)
        {
            // Never the value itself: it is a secret.
            failures.Add($"OAUTH2_WEBHOOKS_SECRET is not usable: {secretProblem}");
        }

        if (!hasUrl && (!string.IsNullOrWhiteSpace(options.Secret) || !string.IsNullOrWhiteSpace(options.EventTypes) || !string.IsNullOrWhiteSpace(options.Format)))
        {
            failures.Add("OAUTH2_WEBHOOKS_SECRET, OAUTH2_WEBHOOKS_EVENT_TYPES and OAUTH2_WEBHOOKS_FORMAT describe the endpoint of OAUTH2_WEBHOOKS_URL, which is not set.");
        }

        foreach (var type in WebhookOptions.TypeList(options.EventTypes).Where(t => !EventSinkPolicy.MatchesAnyType(t)))
        {
            failures.Add($"OAUTH2_WEBHOOKS_EVENT_TYPES: '{type}' matches no event type (they are: {string.Join(", ", EventTypeNames.All)}).");
        }

        if (!string.IsNullOrWhiteSpace(options.Format) && !EventFormats.TryParse(options.Format, out _))
        {
            failures.Add($"OAUTH2_WEBHOOKS_FORMAT '{options.Format}' is not a format; use one of: {EventFormats.Names}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Why <paramref name="secret"/> is not a signing secret, or null.</summary>
    public static string? SecretProblem(string secret)
    {
        if (!secret.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal))
        {
            return $"it must start with {WebhookSecret.Prefix} (then the base64 of at least {MinSecretBytes} random bytes).";
        }

        var buffer = new byte[secret.Length];
        if (!Convert.TryFromBase64String(secret[WebhookSecret.Prefix.Length..], buffer, out var length))
        {
            return $"what follows {WebhookSecret.Prefix} is not base64.";
        }

        return length < MinSecretBytes ? $"it holds {length} bytes; at least {MinSecretBytes} random bytes are needed." : null;
    }

    private static void Duration(string variable, string value, List<string> failures)
    {
        if (!RetrySchedule.TryParseDuration(value, out var duration, out var problem))
        {
            failures.Add($"{variable} '{value}' is not a duration: {problem}");
        }
        else if (duration <= TimeSpan.Zero)
        {
            failures.Add($"{variable} must be longer than zero.");
        }
    }
}
