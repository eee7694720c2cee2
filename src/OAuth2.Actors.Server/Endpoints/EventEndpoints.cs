using OAuth2.Actors.Events;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary><c>/events</c> and <c>/events/{id}</c> (the history in the durable log), <c>/events/ingest</c> (external producers), <c>/events/health</c> (details for admin or events:read).</summary>
public static class EventEndpoints
{
    private static readonly string[] ReadScopes = [Scopes.EventsRead, Scopes.Admin];
    private static readonly string[] IngestScopes = [Scopes.EventsIngest];

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/events", async (HttpContext http, IOAuthGateway gateway, IEventGateway events) =>
        {
            if (!events.Enabled)
            {
                return Disabled();
            }

            if ((await Authorize(http, gateway, ReadScopes)).Denied is { } denied)
            {
                return denied;
            }

            var (query, problem) = EventHistoryQuery.Parse(http.Request.Query);
            if (query is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid query", detail: problem);
            }

            var page = await events.QueryLog(query, http.RequestAborted);
            if (page is null)
            {
                return LogUnavailable();
            }

            var body = new Dictionary<string, object?> { ["count"] = page.Events.Count, ["events"] = page.Events.Select(e => e.Envelope).ToArray() };
            if (page.Next is { } next)
            {
                body["next_cursor"] = EventLogCursor.Encode(query.Order, next);
            }

            return Results.Json(body, EventJson.Options);
        });

        app.MapGet("/events/{id}", async (HttpContext http, string id, IOAuthGateway gateway, IEventGateway events) =>
        {
            if (!events.Enabled)
            {
                return Disabled();
            }

            if ((await Authorize(http, gateway, ReadScopes)).Denied is { } denied)
            {
                return denied;
            }

            return await events.Find(id, http.RequestAborted) switch
            {
                null => LogUnavailable(),
                { Event: null } => Results.Problem(statusCode: 404, title: "No such event", detail: "The log holds no event with this id (it may have been purged by retention)."),
                { Event: { } logged } => Results.Json(logged.Envelope, EventJson.Options),
            };
        });

        app.MapPost("/events/ingest", async (HttpContext http, IOAuthGateway gateway, IEventGateway events, RequestReader reader, RateLimitPolicies limits) =>
        {
            if (!events.Enabled)
            {
                return Disabled();
            }

            var (caller, denied) = await Authorize(http, gateway, IngestScopes);
            if (denied is not null || caller is null)
            {
                return denied!;
            }

            if (!limits.MayIngest(caller.ClientId, out var retryAfter))
            {
                await RateLimitResponses.Write(http, RateLimitKind.Ingest, retryAfter);
                return Results.Empty;
            }

            var (incoming, problem) = await reader.ReadJson<IncomingEnvelope>(http.Request, http.RequestAborted, EventJson.Options);
            if (incoming is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid event envelope", detail: problem);
            }

            var header = http.Request.Headers["Idempotency-Key"];
            if (header.Count > 1)
            {
                return Results.Problem(statusCode: 400, title: "Invalid event envelope", detail: "Send one Idempotency-Key header.");
            }

            var reply = await events.Ingest(new IngestEvent(incoming, header.Count == 1 ? header[0] : null, http.ToRequestContext().CorrelationId, caller.ClientId), http.RequestAborted);
            return reply switch
            {
                IngestAccepted a => Results.Json(new { status = "accepted", idempotency_key = a.IdempotencyKey, event_id = a.EventId }, statusCode: 202),
                IngestDuplicate d => Results.Json(new { status = "duplicate", idempotency_key = d.IdempotencyKey, event_id = d.EventId }, statusCode: 202),
                IngestRejected r => Results.Problem(statusCode: 400, title: "Invalid event envelope", detail: r.Reason),
                _ => Results.Problem(statusCode: 503, title: "The event pipeline did not answer in time."),
            };
        });

        app.MapGet("/events/schema", () => Results.Text(SchemaText.Value, "application/schema+json"));

        // Public for load balancers (status only); sink names and counters only for an admin or events:read token.
        app.MapGet("/events/health", async (HttpContext http, IOAuthGateway gateway, IEventGateway events, HealthProbes probes) =>
        {
            var health = events.Enabled ? await probes.Events.Get(http.RequestAborted) : null;
            var status = !events.Enabled ? "disabled" : health is null ? "unavailable" : health.Sinks.All(s => s.Healthy) ? "healthy" : "degraded";
            var statusCode = events.Enabled && health is null ? 503 : 200;
            if (!await HealthProbes.MayReadDetails(http, gateway))
            {
                return Results.Json(new { status }, statusCode: statusCode);
            }

            if (!events.Enabled)
            {
                return Results.Json(new { status, enabled = false, plugins = Array.Empty<object>() });
            }

            if (health is null)
            {
                return Results.Json(new { status, enabled = true, healthy = false, plugins = Array.Empty<object>() }, statusCode: statusCode);
            }

            var log = await probes.Log.Get(http.RequestAborted);
            return Results.Json(new
            {
                status,
                enabled = true,
                healthy = health.Sinks.All(s => s.Healthy),
                published = health.Published,
                filtered = health.Filtered,
                plugins = health.Sinks,
                log = new
                {
                    available = log.Writer is not null,
                    appended = log.Writer?.Appended,
                    pending = log.Writer?.Pending,
                    dropped = log.Writer?.Dropped,
                    head = log.Writer?.Head,
                    last_error = log.Writer?.LastError,
                    sinks = log.Sinks.Select(s => s.Status is null ? SinkJson.Unknown(s.Name) : SinkJson.Body(s.Status)),
                },
            }, HealthJson);
        });

        return app;
    }

    private static readonly Lazy<string> SchemaText = new(EventJson.Schema);

    /// <summary>Sink health as the records say it, in snake_case (counters: null when a sink keeps none).</summary>
    private static readonly System.Text.Json.JsonSerializerOptions HealthJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };

    private static IResult LogUnavailable() => Results.Problem(statusCode: 503, title: "The event log is unavailable", detail: "The event log did not answer in time; try again.");

    internal static IResult Disabled() => Results.Json(new { error = "eventing_disabled", error_description = "Eventing is disabled (OAUTH2_EVENTS_ENABLED=false)." }, statusCode: 503);

    private static async Task<(ActiveToken? Token, IResult? Denied)> Authorize(HttpContext http, IOAuthGateway gateway, string[] scopes)
    {
        var reply = await gateway.Send(new AuthorizeBearer(AuthorizationHeader.Of(http), scopes, http.ToRequestContext()), http.RequestAborted);
        if (reply is BearerAuthorized authorized)
        {
            return (authorized.Token, null);
        }

        return (null, HttpOutcomes.Problem(reply as OAuthError ?? HttpOutcomes.Unexpected(reply, http), http.Response));
    }
}
