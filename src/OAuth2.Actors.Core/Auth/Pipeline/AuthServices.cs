using Akka.Event;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Auth.Pipeline;

/// <summary>
/// What the pipeline steps consult: the settings, the clock, the event publisher and the neighbouring actors, each
/// asked with the one request timeout (<see cref="ServerSettings.RequestTimeout"/>).
/// </summary>
public sealed record AuthServices(
    ServerSettings Settings,
    TimeProvider Time,
    EventPublisher Events,
    IActorRef Clients,
    IActorRef Tokens,
    IActorRef Users,
    IActorRef UserDirectory,
    IActorRef Codes,
    IActorRef RefreshFamilies,
    ILoggingAdapter Log)
{
    /// <summary>The node's cache of recent successful client authentications (<see cref="ClientAuthenticationCache"/>).</summary>
    public ClientAuthenticationCache ClientCache { get; init; } = ClientAuthenticationCache.Disabled;

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public Task<T> Ask<T>(IActorRef actor, object message) => actor.Ask<T>(message, Settings.RequestTimeout);

    /// <summary>
    /// For a question an entity may safely be asked twice (authenticate a client, read a record): when no answer has
    /// come after a first share of the request timeout (at most 2 s), the question is sent again for the rest of it.
    /// Sharding drops the messages it buffered for a shard whose hand-off is under way (a node leaving, a rebalance);
    /// this turns such a loss into a short delay instead of a timed-out request. Never for commands that change state.
    /// </summary>
    public async Task<T> AskIdempotent<T>(IActorRef actor, object message)
    {
        var first = TimeSpan.FromTicks(Math.Min(Settings.RequestTimeout.Ticks / 2, RetryAfter.Ticks));
        try
        {
            return await actor.Ask<T>(message, first);
        }
        catch (AskTimeoutException)
        {
            return await actor.Ask<T>(message, Settings.RequestTimeout - first);
        }
    }

    /// <summary>The node's token actors, a pool on every node: asked without Akka's Ask bookkeeping (<see cref="LocalAsk"/>).</summary>
    public Task<T> AskTokens<T>(object message) => Tokens.AskLocal<T>(message, Settings.RequestTimeout);
}
