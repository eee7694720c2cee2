using System.Diagnostics;
using Akka.Event;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Resources;

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

    /// <summary>The entity that lists every client (<see cref="ClientDirectoryActor"/>), for the admin API and the console.</summary>
    public IActorRef ClientDirectory { get; init; } = ActorRefs.Nobody;

    /// <summary>The resource-server registry entity (RFC 8707), asked when the node's <see cref="Resources"/> is not filled yet and for admin changes.</summary>
    public IActorRef ResourceRegistry { get; init; } = ActorRefs.Nobody;

    /// <summary>This node's copy of the registered resource servers.</summary>
    public ResourceDirectory Resources { get; init; } = new();
    /// <summary>The node's memory of ids their entity said do not exist (<see cref="UnknownIdCache"/>).</summary>
    public UnknownIdCache UnknownIds { get; init; } = UnknownIdCache.Disabled;

    /// <summary>The node's bounded password hashing workers (for an unknown username answered from memory).</summary>
    public Users.PasswordHashing? PasswordHashing { get; init; }

    /// <summary>When an Ask sent now times out: carried by the messages whose work is expensive, which drop it after that.</summary>
    public DateTimeOffset Deadline() => Time.GetUtcNow() + Settings.RequestTimeout;

    public Task<T> Ask<T>(IActorRef actor, object message) =>
        Traced(OAuth2Tracing.StartAsk(message), actor.Ask<T>(message, Settings.RequestTimeout));

    /// <summary>For a question an entity may safely be asked twice (<see cref="IdempotentAsk"/>).</summary>
    public Task<T> AskIdempotent<T>(IActorRef actor, object message) =>
        Traced(OAuth2Tracing.StartAsk(message), actor.AskRepeating<T>(message, Settings.RequestTimeout));

    /// <summary>The node's token actors, a pool on every node: asked without Akka's Ask bookkeeping (<see cref="LocalAsk"/>).</summary>
    public Task<T> AskTokens<T>(object message) =>
        Traced(OAuth2Tracing.StartAsk(message), Tokens.AskLocal<T>(message, Settings.RequestTimeout));

    /// <summary>The Ask itself when no span was started (no cost); otherwise the Ask, ending its span with it.</summary>
    private static Task<T> Traced<T>(Activity? span, Task<T> ask)
    {
        if (span is null)
        {
            return ask;
        }

        // The span covers the Ask from here on; the caller's thread returns to the span it was in.
        Activity.Current = span.Parent;
        return Ended(span, ask);

        static async Task<T> Ended(Activity span, Task<T> ask)
        {
            try
            {
                return await ask.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                span.Failed(e.GetType().Name);
                throw;
            }
            finally
            {
                span.Dispose();
            }
        }
    }
}
