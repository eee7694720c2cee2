using Akka.Actor;
using Akka.Cluster;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>What <c>/events/health</c> shows of the durable log: the writer's counters and each durable sink's status (null: no answer in time).</summary>
public sealed record EventLogReport(EventLogHealth? Writer, IReadOnlyList<(string Name, SinkStatus? Status)> Sinks);

/// <summary>What <c>/ready</c> found: whether the node is ready, and the checks behind it (shown only to an admin or events reader).</summary>
public sealed record ReadinessReport(bool Ready, IReadOnlyDictionary<string, object?> Checks);

/// <summary>
/// The probes behind <c>/ready</c> and <c>/events/health</c>, each run at most once per second and shared by every
/// caller (both endpoints are public: a probe per request would let anyone open database connections and ping every
/// broker at will). The event sinks' health is one probe for both endpoints.
/// </summary>
public sealed class HealthProbes
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private static readonly string[] DetailScopes = [Scopes.Admin, Scopes.EventsRead];

    /// <summary>
    /// The probes on the wall clock: their period throttles real requests, whatever clock the server's logic runs on
    /// (a test that freezes the server's <see cref="TimeProvider"/> would otherwise freeze /ready's first answer).
    /// </summary>
    public static HealthProbes Create(IServiceProvider services) => Create(services, TimeProvider.System);

    /// <summary>The probes on <paramref name="clock"/> (for tests of the throttling itself).</summary>
    public static HealthProbes Create(IServiceProvider services, TimeProvider clock) =>
        ActivatorUtilities.CreateInstance<HealthProbes>(services, clock);

    public HealthProbes(ActorSystem system, IOAuthGateway gateway, PersistenceProbe persistence, IEventGateway events, TimeProvider time)
    {
        Events = new SharedProbe<EventHealth?>(
            cancellationToken => events.Enabled ? events.Health(cancellationToken) : Task.FromResult<EventHealth?>(null), time, Period);
        Log = new SharedProbe<EventLogReport>(cancellationToken => LogReport(events, cancellationToken), time, Period);
        Readiness = new SharedProbe<ReadinessReport>(cancellationToken => Ready(system, gateway, persistence, events, cancellationToken), time, Period);
    }

    /// <summary>The event sinks' health (null when eventing is off or the event actor did not answer).</summary>
    public SharedProbe<EventHealth?> Events { get; }

    /// <summary>The durable log's writer and sinks (asked only for the detailed view of <c>/events/health</c>).</summary>
    public SharedProbe<EventLogReport> Log { get; }

    public SharedProbe<ReadinessReport> Readiness { get; }

    /// <summary>
    /// Whether the request carries a bearer token with <c>admin</c> or <c>events:read</c>: only then do the health
    /// endpoints show sink names, counters and the cluster. Without one (a load balancer's probe) the answer is the
    /// status alone; a bad token is not an error here, the caller simply sees no details.
    /// </summary>
    public static async Task<bool> MayReadDetails(HttpContext http, IOAuthGateway gateway)
    {
        var authorization = AuthorizationHeader.Of(http);
        if (authorization.Scheme != AuthorizationScheme.Bearer)
        {
            return false;
        }

        var reply = await gateway.Send(new AuthorizeBearer(authorization, DetailScopes, http.ToRequestContext()), http.RequestAborted);
        return reply is BearerAuthorized;
    }

    private async Task<ReadinessReport> Ready(ActorSystem system, IOAuthGateway gateway, PersistenceProbe persistence, IEventGateway events, CancellationToken cancellationToken)
    {
        var cluster = Cluster.Get(system);
        var member = cluster.SelfMember.Status == MemberStatus.Up;
        var tokens = await gateway.Query<TokenServiceStatus>(GetTokenServiceStatus.Instance, TimeSpan.FromSeconds(2), cancellationToken);
        var (database, databaseError) = await persistence.Check(cancellationToken);
        var ready = member && tokens?.Ready == true && database;

        // A degraded event sink is reported but does not fail readiness: it holds or counts events, requests go on.
        var sinks = events.Enabled ? await Events.Get(cancellationToken) : null;
        var checks = new Dictionary<string, object?>
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
        };
        return new ReadinessReport(ready, checks);
    }

    private static async Task<EventLogReport> LogReport(IEventGateway events, CancellationToken cancellationToken)
    {
        if (!events.Enabled)
        {
            return new EventLogReport(null, []);
        }

        var writer = events.LogHealth(cancellationToken);
        var sinks = events.DurableSinks.Select(async name => (name, await events.Sink(new GetSinkStatus(name), cancellationToken) as SinkStatus)).ToArray();
        return new EventLogReport(await writer, await Task.WhenAll(sinks));
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
