using System.Globalization;
using OAuth2.Actors.Events;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary><c>/events</c> (query the in-memory store), <c>/events/ingest</c> (external producers), <c>/events/health</c> (details for admin or events:read).</summary>
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

            var (query, problem) = ParseQuery(http.Request.Query);
            if (query is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid query", detail: problem);
            }

            var found = await events.Query(query, http.RequestAborted);
            return found is null
                ? Results.Problem(statusCode: 503, title: "The event store did not answer in time.")
                : Results.Json(new { count = found.Events.Count, events = found.Events }, EventJson.Options);
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

            return Results.Json(new
            {
                status,
                enabled = true,
                healthy = health.Sinks.All(s => s.Healthy),
                published = health.Published,
                filtered = health.Filtered,
                plugins = health.Sinks,
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

    private static IResult Disabled() => Results.Json(new { error = "eventing_disabled", error_description = "Eventing is disabled (OAUTH2_EVENTS_ENABLED=false)." }, statusCode: 503);

    private static async Task<(ActiveToken? Token, IResult? Denied)> Authorize(HttpContext http, IOAuthGateway gateway, string[] scopes)
    {
        var reply = await gateway.Send(new AuthorizeBearer(AuthorizationHeader.Of(http), scopes, http.ToRequestContext()), http.RequestAborted);
        if (reply is BearerAuthorized authorized)
        {
            return (authorized.Token, null);
        }

        return (null, HttpOutcomes.Problem(reply as OAuthError ?? HttpOutcomes.Unexpected(reply, http), http.Response));
    }

    private static (EventQuery? Query, string? Problem) ParseQuery(IQueryCollection query)
    {
        foreach (var (key, values) in query)
        {
            if (values.Count > 1)
            {
                return (null, $"'{key}' was given more than once.");
            }
        }

        EventType? type = null;
        if (query.TryGetValue("event_type", out var typeValue))
        {
            if (!EventTypeNames.TryParse(typeValue, out var parsed))
            {
                return (null, $"event_type '{typeValue}' is not a known event type; known: {string.Join(", ", EventTypeNames.All)}.");
            }

            type = parsed;
        }

        DateTimeOffset? since = null;
        if (query.TryGetValue("since", out var sinceValue))
        {
            if (!DateTimeOffset.TryParse(sinceValue, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return (null, $"since '{sinceValue}' is not an RFC 3339 timestamp.");
            }

            since = parsed;
        }

        var limit = 100;
        if (query.TryGetValue("limit", out var limitValue)
            && (!int.TryParse(limitValue, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return (null, "limit must be an integer from 1 to 1000.");
        }

        return (new EventQuery(type, Empty(query["client_id"]), Empty(query["user_id"]), since, limit), null);

        static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
