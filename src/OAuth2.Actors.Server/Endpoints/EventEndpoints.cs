using OAuth2.Actors.Events;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary><c>/events</c> and <c>/events/{id}</c> (the history in the durable log), <c>/events/ingest</c> (external producers), <c>/events/health</c> (details for admin or events:read).</summary>
public static class EventEndpoints
{
    private static readonly string[] ReadScopes = [Scopes.EventsRead, Scopes.Admin];
    private static readonly string[] IngestScopes = [Scopes.EventsIngest];

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/events", async (HttpContext http, IEventGateway events) =>
        {
            if (!events.Enabled)
            {
                return Disabled();
            }

            if ((await BearerAccess.Require(http, ReadScopes)).Denied is { } denied)
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
        })
            .WithName("listEvents")
            .WithTags(ApiTags.Events)
            .WithSummary("Page through the event log")
            .WithDescription("The durable event log, filtered and paged. Any parameter but event_type given twice, or any value that cannot be used, is refused with the reason; unknown parameters are ignored.")
            .BearerEndpoint(Scopes.EventsRead, Scopes.Admin)
            .WithQueryParameter("event_type", "Only these event types (repeatable).", """{"type":"array","items":{"$ref":"#/components/schemas/EventType"}}""")
            .WithQueryParameter("client_id", "Only events of this client.")
            .WithQueryParameter("user_id", "Only events of this user.")
            .WithQueryParameter("severity", "Only events of this severity.", """{"type":"string","enum":["info","warning","error","critical"]}""")
            .WithQueryParameter("from", "Events at or after this time (RFC 3339, inclusive).", """{"type":"string","format":"date-time"}""")
            .WithQueryParameter("since", "An alias of from (give one of them).", """{"type":"string","format":"date-time"}""")
            .WithQueryParameter("to", "Events before this time (RFC 3339, exclusive); later than from.", """{"type":"string","format":"date-time"}""")
            .WithQueryParameter("order", "By log position: newest first (desc, the default) or oldest first.", """{"type":"string","enum":["asc","desc"],"default":"desc"}""")
            .WithQueryParameter("limit", "Events per page.", $$"""{"type":"integer","minimum":1,"maximum":{{EventHistoryQuery.MaxLimit}},"default":{{EventHistoryQuery.DefaultLimit}}}""")
            .WithQueryParameter("cursor", "The next_cursor of the previous page, with the same order.")
            .Responds(StatusCodes.Status200OK, "A page of events.", Schemas.EventPage)
            .RespondsProblem(StatusCodes.Status400BadRequest, "A parameter cannot be used (its problem is the detail).")
            .RespondsEventingDisabled()
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The event log did not answer in time.");

        app.MapGet("/events/{id}", async (HttpContext http, string id, IEventGateway events) =>
        {
            if (!events.Enabled)
            {
                return Disabled();
            }

            if ((await BearerAccess.Require(http, ReadScopes)).Denied is { } denied)
            {
                return denied;
            }

            return await events.Find(id, http.RequestAborted) switch
            {
                null => LogUnavailable(),
                { Event: null } => Results.Problem(statusCode: 404, title: "No such event", detail: "The log holds no event with this id (it may have been purged by retention)."),
                { Event: { } logged } => Results.Json(logged.Envelope, EventJson.Options),
            };
        })
            .WithName("getEvent")
            .WithTags(ApiTags.Events)
            .WithSummary("Read one event")
            .WithDescription("One event of the durable log by its id.")
            .BearerEndpoint(Scopes.EventsRead, Scopes.Admin)
            .WithPathParameter("id", "The event's id (event.id).")
            .Responds(StatusCodes.Status200OK, "The event's envelope.", Schemas.EventEnvelope)
            .RespondsProblem(StatusCodes.Status404NotFound, "The log holds no event with this id (it may have been purged by retention).")
            .RespondsEventingDisabled()
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The event log did not answer in time.");

        app.MapPost("/events/ingest", async (HttpContext http, IEventGateway events, RequestReader reader, RateLimitPolicies limits) =>
        {
            if (!events.Enabled)
            {
                return Disabled();
            }

            var (caller, denied) = await BearerAccess.Require(http, IngestScopes);
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
        })
            .WithName("ingestEvent")
            .WithTags(ApiTags.Events)
            .WithSummary("Ingest an event")
            .WithDescription("An external producer's event, appended to the durable log (and so delivered to every sink) unless one with the same idempotency key was within the window. Rate-limited per client (OAUTH2_RATE_LIMIT_INGEST_PER_MINUTE).")
            .BearerEndpoint(Scopes.EventsIngest)
            .WithHeaderParameter("Idempotency-Key", "The event's idempotency key (one header at most); else the body's idempotency_key, else event.id.")
            .AcceptsJson(Schemas.IncomingEventEnvelope, "The envelope.")
            .Responds(StatusCodes.Status202Accepted, "Accepted, or a duplicate of an event already taken.", Schemas.IngestResult)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid event envelope: not JSON, a field missing or wrong (the detail says which), or two Idempotency-Key headers.")
            .RespondsProblem(StatusCodes.Status429TooManyRequests, "This client has sent its events of the minute.")
            .RespondsEventingDisabled()
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The event pipeline did not answer in time.");

        app.MapGet("/events/schema", () => Results.Text(SchemaText.Value, "application/schema+json"))
            .WithName("eventEnvelopeSchema")
            .WithTags(ApiTags.Events)
            .WithSummary("The event envelope's JSON Schema")
            .WithDescription("The JSON Schema (2020-12) of the envelope every sink receives and GET /events answers (also this document's EventEnvelope schema).")
            .Public()
            .Responds(StatusCodes.Status200OK, "The schema.", Schemas.JsonSchemaDocument, MediaTypes.JsonSchema);

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
        })
            .WithName("eventsHealth")
            .WithTags(ApiTags.Events)
            .WithSummary("Event pipeline health")
            .WithDescription("Public for load balancers (the status alone); each sink's health and counters and the durable log's only for a bearer of an admin or events:read token (a token without them is no error: its caller sees the status alone). Degraded sinks still answer 200.")
            .Secured((string.Empty, []), (SecuritySchemes.OAuth2, [Scopes.Admin]), (SecuritySchemes.OAuth2, [Scopes.EventsRead]))
            .Responds(StatusCodes.Status200OK, "healthy, degraded (a sink is unhealthy) or disabled.", Schemas.EventsHealth)
            .Responds(StatusCodes.Status503ServiceUnavailable, "unavailable: the event pipeline did not answer in time.", Schemas.EventsHealth);

        return app;
    }

    /// <summary>503 with <c>eventing_disabled</c> when OAUTH2_EVENTS_ENABLED=false (checked before the token).</summary>
    private static RouteHandlerBuilder RespondsEventingDisabled(this RouteHandlerBuilder builder) =>
        builder.Responds(StatusCodes.Status503ServiceUnavailable, "Eventing is disabled (eventing_disabled).", Schemas.EventingDisabled);

    private static readonly Lazy<string> SchemaText = new(EventJson.Schema);

    /// <summary>Sink health as the records say it, in snake_case (counters: null when a sink keeps none).</summary>
    private static readonly System.Text.Json.JsonSerializerOptions HealthJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };

    private static IResult LogUnavailable() => Results.Problem(statusCode: 503, title: "The event log is unavailable", detail: "The event log did not answer in time; try again.");

    internal static IResult Disabled() => Results.Json(new { error = "eventing_disabled", error_description = "Eventing is disabled (OAUTH2_EVENTS_ENABLED=false)." }, statusCode: 503);

}
