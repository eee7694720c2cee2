namespace OAuth2.Actors.Events.Log;

/// <summary>
/// Durable sinks that come and go at runtime (webhook endpoints): each is consumed like a configured sink (its own
/// cursor, lease, pause and replay in the <c>event-sinks</c> region), with a plugin made for it by its consumer.
/// </summary>
public interface IDynamicEventSinks
{
    /// <summary>True when <paramref name="sink"/> is one of this source's names (by its prefix, say).</summary>
    bool Owns(string sink);

    /// <summary>The sinks that exist now; every node's keeper asks every few seconds and keeps each one running.</summary>
    Task<IReadOnlyCollection<string>> SinkNamesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A plugin for <paramref name="sink"/>, made by its consumer when it starts and disposed (when it is
    /// <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/>) when it stops; null when the sink no longer exists.
    /// </summary>
    IEventPlugin? CreatePlugin(string sink);
}
