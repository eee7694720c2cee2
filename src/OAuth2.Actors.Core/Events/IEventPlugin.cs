namespace OAuth2.Actors.Events;

/// <summary>
/// A destination for events. The framework wraps each plugin in its own sink actor behind a bounded stream, so
/// a plugin may be slow, throw or hang without touching other sinks or any request.
/// </summary>
public interface IEventPlugin
{
    string Name { get; }

    /// <summary>Deliver one envelope; throwing (or exceeding the plugin timeout) counts the event as failed.</summary>
    Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken);

    Task<bool> HealthCheckAsync(CancellationToken cancellationToken);
}

/// <summary>A plugin whose events can be read back (the in-memory store behind <c>GET /events</c>).</summary>
public interface IQueryableEventPlugin : IEventPlugin
{
    IReadOnlyList<EventEnvelope> Query(EventQuery query);
}

public sealed record EventQuery(EventType? EventType = null, string? ClientId = null, string? UserId = null, DateTimeOffset? Since = null, int Limit = 100);
