using Akka.Actor;
using Akka.Cluster;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary><c>/health</c>: the process answers. <c>/ready</c>: the actor system is up, the node is an <c>Up</c> cluster member, the token actors have their key, and the database answers; the body also shows what the node sees of the cluster.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // server_errors: requests that failed because of the server itself (bugs, logged with their stack trace).
        app.MapGet("/health", (ServerFailures failures) => Results.Json(new { status = "healthy", server_errors = failures.Count }));
        app.MapGet("/ready", async (HttpContext http, ActorSystem system, IOAuthGateway gateway, PersistenceProbe probe, IEventGateway events) =>
        {
            var cluster = Cluster.Get(system);
            var member = cluster.SelfMember.Status == MemberStatus.Up;
            var tokens = await gateway.Query<TokenServiceStatus>(GetTokenServiceStatus.Instance, TimeSpan.FromSeconds(2), http.RequestAborted);
            var (database, databaseError) = await probe.Check(http.RequestAborted);
            var ready = member && tokens?.Ready == true && database;

            // A degraded event sink is reported but does not fail readiness: it holds or counts events, requests go on.
            var sinks = events.Enabled ? await events.Health(http.RequestAborted) : null;
            var body = new Dictionary<string, object?>
            {
                ["status"] = ready ? "ready" : "not_ready",
                ["checks"] = new Dictionary<string, object?>
                {
                    ["actor_system"] = system.WhenTerminated.IsCompleted ? "terminated" : "up",
                    ["cluster_member"] = member ? "up" : cluster.SelfMember.Status.ToString().ToLowerInvariant(),
                    ["cluster"] = ClusterView(cluster),
                    ["token_service"] = tokens?.Ready == true ? "ready" : "loading",
                    ["persistence"] = database ? "reachable" : databaseError,
                    ["event_sinks"] = !events.Enabled
                        ? "disabled"
                        : sinks is null
                            ? "unknown"
                            : sinks.Sinks.ToDictionary(s => s.Name, s => s.Healthy ? "healthy" : "degraded"),
                },
            };
            return Results.Json(body, statusCode: ready ? 200 : 503);
        });

        return app;
    }

    /// <summary>What this node sees of the cluster: its own address and status, the members by status, and the unreachable ones.</summary>
    private static Dictionary<string, object> ClusterView(Cluster cluster)
    {
        var state = cluster.State;
        return new Dictionary<string, object>
        {
            ["self"] = cluster.SelfAddress.ToString(),
            ["leader"] = state.Leader?.ToString() ?? string.Empty,
            ["members"] = state.Members
                .GroupBy(m => m.Status.ToString().ToLowerInvariant())
                .ToDictionary(g => g.Key, g => g.Count()),
            ["unreachable"] = state.Unreachable.Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToArray(),
        };
    }
}
