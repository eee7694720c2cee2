using System.Globalization;
using System.Text.Json;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>/admin/api/webhooks</c>: webhook endpoints managed at runtime (create, list, read, update, delete, rotate the
/// signing secret), their attempts log and redelivery. Admin scope; errors are ProblemDetails. The handlers only
/// translate: each asks this node's WebhookAdmin actor through <see cref="IWebhookGateway"/>.
/// </summary>
public static class WebhookEndpoints
{
    public const string Path = "/admin/api/webhooks";

    /// <summary>Attempts per page when <c>limit</c> is not given.</summary>
    public const int DefaultAttemptsLimit = 50;

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (HttpContext http, IWebhookGateway webhooks, RequestReader reader) =>
            WithBody(http, webhooks, reader, "Invalid webhook", WebhookJson.ReadCreate, reply =>
            {
                if (reply is not WebhookCreated created)
                {
                    return null;
                }

                SetLocation(http, created.Webhook.Endpoint.Id);
                return Results.Json(
                    new Dictionary<string, object?>(WebhookJson.View(created.Webhook)) { ["secret"] = created.Secret },
                    statusCode: StatusCodes.Status201Created);
            }))
            .WithName("createWebhook")
            .WithSummary("Create a webhook endpoint")
            .WithDescription("A new endpoint events are POSTed to, signed (Standard Webhooks) with a secret shown this once. Its URL must be absolute https (http only with OAUTH2_WEBHOOKS_ALLOW_HTTP=true); deliveries to private addresses are refused unless allowed (docs/webhooks.md).")
            .DescribedAsWebhookApi()
            .AcceptsJson(Schemas.WebhookCreateRequest, "The endpoint.")
            .Responds(StatusCodes.Status201Created, "Created; Location names it.", Schemas.WebhookCreated, MediaTypes.Json, ResponseHeaders.Location)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid webhook: not JSON, an unknown or wrong field, url missing or not allowed.");

        app.MapGet(Path, (HttpContext http, IWebhookGateway webhooks) =>
            Send(http, webhooks, () => ListWebhooks.Instance, reply => reply is WebhookList list
                ? Results.Json(new { webhooks = list.Webhooks.Select(WebhookJson.View) })
                : null))
            .WithName("listWebhooks")
            .WithSummary("List the webhook endpoints")
            .DescribedAsWebhookApi()
            .Responds(StatusCodes.Status200OK, "The endpoints.", Schemas.WebhookList);

        app.MapGet(Path + "/{id}", (HttpContext http, string id, IWebhookGateway webhooks) =>
            Send(http, webhooks, () => new GetWebhook(id), View))
            .WithName("getWebhook")
            .WithSummary("Read a webhook endpoint")
            .DescribedAsWebhookApi()
            .WithPathParameter("id", "The endpoint's id.")
            .Responds(StatusCodes.Status200OK, "The endpoint.", Schemas.Webhook);

        app.MapPut(Path + "/{id}", (HttpContext http, string id, IWebhookGateway webhooks, RequestReader reader) =>
            WithBody(http, webhooks, reader, "Invalid webhook", body => WebhookJson.ReadUpdate(id, body), View))
            .WithName("updateWebhook")
            .WithSummary("Change a webhook endpoint")
            .WithDescription("The fields given change, the others stay. The static endpoint (OAUTH2_WEBHOOKS_URL) cannot be changed here.")
            .DescribedAsWebhookApi()
            .WithPathParameter("id", "The endpoint's id.")
            .AcceptsJson(Schemas.WebhookUpdateRequest, "The fields to change.")
            .Responds(StatusCodes.Status200OK, "The endpoint as changed.", Schemas.Webhook)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid webhook: not JSON, no field, an unknown or wrong field, or a url not allowed.")
            .RespondsProblem(StatusCodes.Status409Conflict, "The static endpoint is configured by the environment.");

        app.MapDelete(Path + "/{id}", (HttpContext http, string id, IWebhookGateway webhooks) =>
            Send(http, webhooks, () => new DeleteWebhook(id), reply => reply is WebhookDeleted ? Results.NoContent() : null))
            .WithName("deleteWebhook")
            .WithSummary("Delete a webhook endpoint")
            .WithDescription("Deletes the endpoint, its sink (cursor), retries and attempts.")
            .DescribedAsWebhookApi()
            .WithPathParameter("id", "The endpoint's id.")
            .RespondsEmpty(StatusCodes.Status204NoContent, "Deleted.")
            .RespondsProblem(StatusCodes.Status409Conflict, "The static endpoint is configured by the environment.");

        app.MapPost(Path + "/{id}/rotate-secret", (HttpContext http, string id, IWebhookGateway webhooks) =>
            Send(http, webhooks, () => new RotateWebhookSecret(id), reply =>
            {
                if (reply is not WebhookSecretRotated rotated)
                {
                    return null;
                }

                SetLocation(http, rotated.Id);
                return Results.Json(new Dictionary<string, object?>
                {
                    ["id"] = rotated.Id,
                    ["secret"] = rotated.Secret,
                    ["previous_secret_expires_at"] = WebhookJson.Time(rotated.PreviousExpiresAt),
                }, statusCode: StatusCodes.Status201Created);
            }))
            .WithName("rotateWebhookSecret")
            .WithSummary("Rotate a webhook endpoint's secret")
            .WithDescription("A new secret signs from now on; the previous one also signs until previous_secret_expires_at, so the receiver can switch.")
            .DescribedAsWebhookApi()
            .WithPathParameter("id", "The endpoint's id.")
            .Responds(StatusCodes.Status201Created, "The new secret, shown this once; Location names the endpoint.", Schemas.WebhookSecretRotated, MediaTypes.Json, ResponseHeaders.Location)
            .RespondsProblem(StatusCodes.Status409Conflict, "The static endpoint's secret is OAUTH2_WEBHOOKS_SECRET.");

        app.MapGet(Path + "/{id}/attempts", async (HttpContext http, string id, IWebhookGateway webhooks) =>
        {
            var (query, problem) = AttemptsQuery(http.Request.Query, id);
            if (query is null)
            {
                // Authorization first: an anonymous caller learns nothing from a query's problem.
                return await AdminApi.Authorize(http) ?? Results.Problem(statusCode: 400, title: "Invalid attempts query", detail: problem);
            }

            return await Send(http, webhooks, () => query, reply => reply is WebhookAttempts page
                ? Results.Json(new Dictionary<string, object?>
                {
                    ["id"] = page.Id,
                    ["attempts"] = page.Attempts.Select(WebhookJson.Attempt),
                    ["next"] = WebhookJson.Time(page.Next),
                })
                : null);
        })
            .WithName("listWebhookAttempts")
            .WithSummary("A webhook endpoint's delivery attempts")
            .WithDescription("The attempts log, newest first, a page at a time.")
            .DescribedAsWebhookApi()
            .WithPathParameter("id", "The endpoint's id.")
            .WithQueryParameter("event_id", "Only the attempts of this event.", """{"type":"string","minLength":1}""")
            .WithQueryParameter("limit", "Attempts per page.", $$"""{"type":"integer","minimum":1,"default":{{DefaultAttemptsLimit}}}""")
            .WithQueryParameter("before", "Only attempts before this time: the next of the previous page (RFC 3339).", """{"type":"string","format":"date-time"}""")
            .Responds(StatusCodes.Status200OK, "A page of attempts.", Schemas.WebhookAttempts)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid attempts query: an unknown parameter or a value that cannot be used.");

        app.MapPost(Path + "/{id}/redeliver", (HttpContext http, string id, IWebhookGateway webhooks, RequestReader reader) =>
            WithBody(http, webhooks, reader, "Invalid redelivery", body => Redelivery(id, body), reply => reply switch
            {
                WebhookRedeliveryScheduled scheduled => Results.Json(
                    new Dictionary<string, object?> { ["id"] = scheduled.Id, ["event_id"] = scheduled.EventId, ["attempt"] = scheduled.Attempt },
                    statusCode: StatusCodes.Status202Accepted),
                SinkReplayStarted started => Results.Json(
                    new Dictionary<string, object?> { ["id"] = id, ["sink"] = started.Sink, ["from"] = started.From, ["to"] = started.To },
                    statusCode: StatusCodes.Status202Accepted),
                _ => null,
            }))
            .WithName("redeliverWebhook")
            .WithSummary("Redeliver to a webhook endpoint")
            .WithDescription("One logged event again (a new attempt, scheduled now), or a range of the log (the endpoint's sink replays it).")
            .DescribedAsWebhookApi()
            .WithPathParameter("id", "The endpoint's id.")
            .AcceptsJson(Schemas.WebhookRedeliveryRequest, "The event, or the range.")
            .Responds(StatusCodes.Status202Accepted, "Scheduled, or the replay started.", Schemas.WebhookRedelivery)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid redelivery: not JSON, both or neither of event_id and a range, a bound wrong, or a range that holds no logged event.")
            .RespondsProblem(StatusCodes.Status404NotFound, "No such event in the log (purged by retention, or never logged).")
            .RespondsProblem(StatusCodes.Status409Conflict, "The endpoint's sink is already replaying.");

        return app;
    }

    /// <summary>
    /// Admin scope; 404 for an unknown endpoint and when webhooks are not enabled; 503 when the store or the endpoint's
    /// sink did not answer.
    /// </summary>
    private static RouteHandlerBuilder DescribedAsWebhookApi(this RouteHandlerBuilder builder) =>
        builder
            .WithTags(ApiTags.Webhooks)
            .AdminEndpoint()
            .RespondsProblem(StatusCodes.Status404NotFound, "No such webhook endpoint, or webhooks are not enabled (webhook is not in OAUTH2_EVENTS_BACKEND).")
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The webhook store or the endpoint's sink did not answer in time.");

    private static IResult? View(object? reply) => reply is WebhookView view ? Results.Json(WebhookJson.View(view)) : null;

    private static void SetLocation(HttpContext http, string id) =>
        http.Response.Headers.Location = Path + "/" + Uri.EscapeDataString(id);

    /// <summary>
    /// Authorizes, checks webhooks are enabled, asks the admin actor and answers: <paramref name="answer"/> turns the
    /// reply it expects into a result (null for any other reply, which becomes ProblemDetails).
    /// </summary>
    private static async Task<IResult> Send(HttpContext http, IWebhookGateway webhooks, Func<object> request, Func<object?, IResult?> answer)
    {
        if (await AdminApi.Authorize(http) is { } denied)
        {
            return denied;
        }

        if (!webhooks.Enabled)
        {
            return NotEnabled();
        }

        var reply = await webhooks.Ask(request(), http.RequestAborted);
        return answer(reply) ?? Failure(reply, http);
    }

    private static async Task<IResult> WithBody<T>(
        HttpContext http, IWebhookGateway webhooks, RequestReader reader, string title,
        Func<IReadOnlyDictionary<string, JsonElement>, (T? Request, string? Problem)> read, Func<object?, IResult?> answer)
        where T : class
    {
        if (await AdminApi.Authorize(http) is { } denied)
        {
            return denied;
        }

        if (!webhooks.Enabled)
        {
            return NotEnabled();
        }

        var (body, problem) = await reader.ReadJson<Dictionary<string, JsonElement>>(http.Request, http.RequestAborted);
        var (request, readProblem) = body is null ? (null, problem) : read(body);
        if (request is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: readProblem);
        }

        var reply = await webhooks.Ask(request, http.RequestAborted);
        return answer(reply) ?? Failure(reply, http);
    }

    private static IResult Failure(object? reply, HttpContext http) =>
        AdminApi.Failure(reply, http, "The webhooks did not answer in time", "The database may be slow or unreachable; try again.");

    private static IResult NotEnabled() =>
        Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Webhooks are not enabled",
            detail: "Name webhook in OAUTH2_EVENTS_BACKEND (for example OAUTH2_EVENTS_BACKEND=in_memory,webhook) with eventing enabled, and restart the server. See docs/webhooks.md.");

    private static (GetWebhookAttempts? Query, string? Problem) AttemptsQuery(IQueryCollection query, string id)
    {
        if (query.Keys.FirstOrDefault(k => k is not ("event_id" or "limit" or "before")) is { } other)
        {
            return (null, $"'{other}' is not an attempts parameter; they are: event_id, limit, before.");
        }

        var eventId = query.TryGetValue("event_id", out var e) ? e.ToString() : null;
        if (eventId is { Length: 0 })
        {
            return (null, "event_id must not be empty.");
        }

        var limit = DefaultAttemptsLimit;
        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            return (null, $"limit '{l}' must be a whole number of 1 or more.");
        }

        DateTimeOffset? before = null;
        if (query.TryGetValue("before", out var b))
        {
            if (!Rfc3339.TryParse(b, out var time))
            {
                return (null, Rfc3339.Problem("before", b));
            }

            before = time;
        }

        return (new GetWebhookAttempts(id, eventId, limit, before), null);
    }

    /// <summary><c>{"event_id": ...}</c> for one event, or <c>{"from": ..., "to": ...}</c> for a range of the log (as a sink's replay).</summary>
    private static (object? Request, string? Problem) Redelivery(string id, IReadOnlyDictionary<string, JsonElement> body)
    {
        if (body.TryGetValue("event_id", out var eventId))
        {
            if (body.Count > 1)
            {
                return (null, "Give either event_id (one event) or from and to (a range of the log), not both.");
            }

            return eventId.ValueKind == JsonValueKind.String && eventId.GetString() is { Length: > 0 } value
                ? (new RedeliverWebhookEvent(id, value), null)
                : (null, "'event_id' must be a non-empty string: the id of a logged event.");
        }

        if (body.Count == 0)
        {
            return (null, "Give event_id (one event) or from and to (a range of the log: positions or RFC 3339 times).");
        }

        var (range, problem) = ReplayRange.Parse(body);
        return range is null ? (null, problem) : (new RedeliverWebhookRange(id, range.From, range.To), null);
    }
}
