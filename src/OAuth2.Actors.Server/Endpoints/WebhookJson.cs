using System.Globalization;
using System.Text.Json;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The webhooks admin API's JSON (snake_case): an endpoint's view (configuration, failure state, delivery state, pending
/// retries; never a secret), the attempts, and the request bodies of create and update read field by field.
/// </summary>
public static class WebhookJson
{
    private static readonly string[] CreateFields = ["url", "event_types", "format", "enabled", "description"];

    public static Dictionary<string, object?> View(WebhookView view)
    {
        var e = view.Endpoint;
        return new Dictionary<string, object?>
        {
            ["id"] = e.Id,
            ["url"] = e.Url,
            ["event_types"] = e.EventTypes,
            ["format"] = EventFormats.Name(e.Format),
            ["enabled"] = e.Enabled,
            ["description"] = e.Description,
            ["static"] = e.Id == WebhookSettings.StaticEndpointId,
            ["created_at"] = Time(e.CreatedAt),
            ["updated_at"] = Time(e.UpdatedAt),
            ["failing_since"] = Time(e.FailingSince),
            ["disabled_at"] = Time(e.DisabledAt),
            ["disabled_reason"] = e.DisabledReason,
            ["sink"] = e.SinkName,
            ["delivery"] = view.Sink is { } sink ? SinkJson.Body(sink) : SinkJson.Unknown(e.SinkName),
            ["pending_retries"] = view.PendingRetries,
            ["next_retry_at"] = Time(view.NextRetryAt),
        };
    }

    public static Dictionary<string, object?> Attempt(WebhookAttempt a) => new()
    {
        ["event_id"] = a.EventId,
        ["position"] = a.Position,
        ["attempt"] = a.Attempt,
        ["at"] = Time(a.At),
        ["outcome"] = WebhookAttemptOutcomes.Name(a.Outcome),
        ["status"] = a.Status,
        ["error"] = a.Error,
        ["latency_ms"] = Math.Round(a.Latency.TotalMilliseconds, 3),
        ["response_body"] = a.ResponseBody,
        ["next_attempt_at"] = Time(a.NextAttemptAt),
    };


    /// <summary>UTC, to the tick: an attempts page's <c>next</c> is given back as <c>before</c> without losing precision.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string? Time(DateTimeOffset? time) => time is { } t ? Time(t) : null;

    /// <summary>The body of <c>POST /admin/api/webhooks</c>: <c>url</c> required; every type when <c>event_types</c> is missing; envelope; enabled.</summary>
    public static (CreateWebhook? Create, string? Problem) ReadCreate(IReadOnlyDictionary<string, JsonElement> body)
    {
        var (fields, problem) = ReadFields(body);
        if (fields is null)
        {
            return (null, problem);
        }

        if (fields.Url is null)
        {
            return (null, "'url' is required: the https URL events are POSTed to.");
        }

        return (new CreateWebhook(fields.Url, fields.EventTypes ?? [], fields.Format ?? EventFormat.Envelope, fields.Enabled ?? true, fields.Description), null);
    }

    /// <summary>The body of <c>PUT /admin/api/webhooks/{id}</c>: the fields given change, the others stay.</summary>
    public static (UpdateWebhook? Update, string? Problem) ReadUpdate(string id, IReadOnlyDictionary<string, JsonElement> body)
    {
        var (fields, problem) = ReadFields(body);
        if (fields is null)
        {
            return (null, problem);
        }

        return body.Count == 0
            ? (null, $"Give at least one field to change: {string.Join(", ", CreateFields)}.")
            : (new UpdateWebhook(id, fields.Url, fields.EventTypes, fields.Format, fields.Enabled, fields.Description), null);
    }

    private sealed record Fields(string? Url, IReadOnlyList<string>? EventTypes, EventFormat? Format, bool? Enabled, string? Description);

    private static (Fields? Fields, string? Problem) ReadFields(IReadOnlyDictionary<string, JsonElement> body)
    {
        if (body.Keys.FirstOrDefault(k => !CreateFields.Contains(k, StringComparer.Ordinal)) is { } other)
        {
            return (null, $"'{other}' is not a webhook field; the fields are: {string.Join(", ", CreateFields)}.");
        }

        string? url = null, description = null;
        IReadOnlyList<string>? types = null;
        EventFormat? format = null;
        bool? enabled = null;
        if (body.TryGetValue("url", out var u))
        {
            if (u.ValueKind != JsonValueKind.String)
            {
                return (null, "'url' must be a string.");
            }

            url = u.GetString();
        }

        if (body.TryGetValue("event_types", out var t))
        {
            if (t.ValueKind != JsonValueKind.Array || t.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                return (null, "'event_types' must be a list of event type names or globs, such as [\"token_created\", \"sign_in_*\"] (empty: every type).");
            }

            types = t.EnumerateArray().Select(x => x.GetString()!).ToList();
        }

        if (body.TryGetValue("format", out var f))
        {
            if (f.ValueKind != JsonValueKind.String || !EventFormats.TryParse(f.GetString(), out var parsed))
            {
                return (null, $"'format' must be one of: {EventFormats.Names}.");
            }

            format = parsed;
        }

        if (body.TryGetValue("enabled", out var en))
        {
            if (en.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, "'enabled' must be true or false.");
            }

            enabled = en.GetBoolean();
        }

        if (body.TryGetValue("description", out var d))
        {
            if (d.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return (null, "'description' must be a string.");
            }

            description = d.GetString();
        }

        return (new Fields(url, types, format, enabled, description), null);
    }
}
