using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Events;

/// <summary>
/// A backend compiled into the host (a broker sink project) and selected by name in OAUTH2_EVENTS_BACKEND.
/// Registered in DI; the host asks it for a plugin built from configuration at start.
/// </summary>
public interface IEventBackend
{
    /// <summary>The canonical name (<see cref="EventBackends"/>): redis, kafka, rabbit.</summary>
    string Name { get; }

    /// <summary>A ready plugin, or why this backend cannot be used with this configuration (a malformed URL, say).</summary>
    (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration);
}
