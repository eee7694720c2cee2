using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Events;

/// <summary>
/// A sink the host can select by name in OAUTH2_EVENTS_BACKEND (a broker sink project, registered in DI by its one
/// extension method). The backend declares its own name and the other spellings it answers to; the host asks it for a
/// plugin built from configuration at start.
/// </summary>
public interface IEventBackend
{
    /// <summary>The canonical name (redis, kafka, rabbit, ...): the sink's name on /events/health and in the logs.</summary>
    string Name { get; }

    /// <summary>Other accepted spellings of <see cref="Name"/> in OAUTH2_EVENTS_BACKEND (case-insensitive).</summary>
    IReadOnlyList<string> Aliases => [];

    /// <summary>A ready plugin, or why this backend cannot be used with this configuration (a malformed URL, say).</summary>
    (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration);
}
