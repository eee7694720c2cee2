using OAuth2.Actors.Auth;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>What a request may hold, each refusal a ProblemDetails-ready <see cref="AdminFailure"/>.</summary>
public sealed partial class WebhookAdmin
{
    /// <summary>The endpoint as a view shows it: the secrets' dates, never their values.</summary>
    private static WebhookEndpoint Redacted(WebhookEndpoint endpoint) =>
        endpoint with { Secrets = endpoint.Secrets.Select(s => s with { Value = string.Empty }).ToArray() };

    private static IReadOnlyList<string> Types(IReadOnlyList<string> types) => types.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    private AdminFailure? ValidateUrl(string? url) =>
        WebhookUrl.Validate(url, _settings.AllowHttp) is { } problem ? BadRequest("Invalid webhook URL", problem) : null;

    internal static AdminFailure? ValidateTypes(IReadOnlyList<string>? types)
    {
        if (types is null)
        {
            return BadRequest("Invalid event types", "event_types must be a list of event type names or globs (empty: every type).");
        }

        foreach (var type in types)
        {
            if (string.IsNullOrWhiteSpace(type))
            {
                return BadRequest("Invalid event types", "event_types holds an empty entry.");
            }

            if (!EventSinkPolicy.MatchesAnyType(type))
            {
                return BadRequest("Invalid event types", $"'{type.Trim()}' matches no event type (they are: {string.Join(", ", EventTypeNames.All)}).");
            }
        }

        return null;
    }

    private static AdminFailure? ValidateFormat(EventFormat format) =>
        Enum.IsDefined(format) ? null : BadRequest("Invalid format", $"Unknown format; use one of: {EventFormats.Names}.");

    private static AdminFailure? ValidateDescription(string? description) =>
        description is { Length: > MaxDescriptionLength } ? BadRequest("Invalid description", $"description is longer than {MaxDescriptionLength} characters.") : null;

    private static AdminFailure BadRequest(string title, string detail) => new(FailureKind.BadRequest, title, detail);

    private static AdminFailure NotFound(string id) => new(FailureKind.NotFound, "Webhook not found", $"No webhook endpoint has the id '{id}'.");

    private static AdminFailure StaticConflict(string what) =>
        new(FailureKind.Conflict, "Static webhook", $"The endpoint '{WebhookSettings.StaticEndpointId}' is configured by OAUTH2_WEBHOOKS_URL and cannot be {what} through the API; change the environment instead.");
}
