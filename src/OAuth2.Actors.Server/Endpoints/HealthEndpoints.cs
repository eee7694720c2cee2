using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>/health</c>: the process answers. <c>/ready</c>: the actor system is up, the node is an <c>Up</c> cluster member,
/// the token actors have their key, and the database answers. Both are public; <c>/ready</c> is probed at most once a
/// second (<see cref="HealthProbes"/>) and shows its checks and what the node sees of the cluster only to a bearer of
/// an <c>admin</c> or <c>events:read</c> token: anyone else gets the status code and <c>{"status": ...}</c>.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // server_errors: requests that failed because of the server itself (bugs, logged with their stack trace).
        app.MapGet("/health", (ServerFailures failures) => Results.Json(new { status = "healthy", server_errors = failures.Count }))
            .WithName("health")
            .WithTags(ApiTags.Health)
            .WithSummary("Liveness")
            .WithDescription("The process answers.")
            .Public()
            .Responds(StatusCodes.Status200OK, "Alive.", Schemas.Health);
        app.MapGet("/ready", async (HttpContext http, HealthProbes probes, IOAuthGateway gateway, RequestDrain drain) =>
        {
            if (drain.Draining)
            {
                // Stopping: finishing the requests under way before leaving the cluster; send no more.
                return Results.Json(new Dictionary<string, object?> { ["status"] = "stopping" }, statusCode: 503);
            }

            var report = await probes.Readiness.Get(http.RequestAborted);
            var status = report.Ready ? "ready" : "not_ready";
            var statusCode = report.Ready ? 200 : 503;
            if (!await HealthProbes.MayReadDetails(http, gateway))
            {
                return Results.Json(new Dictionary<string, object?> { ["status"] = status }, statusCode: statusCode);
            }

            return Results.Json(new Dictionary<string, object?> { ["status"] = status, ["checks"] = report.Checks }, statusCode: statusCode);
        })
            .WithName("ready")
            .WithTags(ApiTags.Health)
            .WithSummary("Readiness")
            .WithDescription("Ready: the node is an Up cluster member, its token actors have their key and its database answers (probed at most once a second). Public; the checks and the cluster view only for a bearer of an admin or events:read token (a token without them is no error: its caller sees the status alone).")
            .Secured((string.Empty, []), (SecuritySchemes.OAuth2, [Scopes.Admin]), (SecuritySchemes.OAuth2, [Scopes.EventsRead]))
            .Responds(StatusCodes.Status200OK, "Ready.", Schemas.Readiness)
            .Responds(StatusCodes.Status503ServiceUnavailable, "Not ready (not_ready), or stopping: draining its requests before leaving the cluster.", Schemas.Readiness);

        return app;
    }
}
