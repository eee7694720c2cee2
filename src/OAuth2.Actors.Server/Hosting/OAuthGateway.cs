using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>What the HTTP handlers see of the actors: Ask with a timeout and the request's cancellation token.</summary>
public interface IOAuthGateway
{
    Task<OAuthReply> Send(object request, CancellationToken cancellationToken);

    Task<T?> Query<T>(object request, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class;
}

public sealed class OAuthGateway(IRequiredActor<AuthActor> auth, IRequiredActor<TokenActor> tokens, IOptions<OAuth2Options> options) : IOAuthGateway
{
    // The actors answer temporarily_unavailable themselves when the request timeout passes; the grace lets that answer
    // (and its log line) arrive. Past it, the host answers the same thing.
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds) + TimeSpan.FromSeconds(1);

    public async Task<OAuthReply> Send(object request, CancellationToken cancellationToken)
    {
        try
        {
            // The AuthActor is on this node: no need for Akka's Ask bookkeeping.
            return await auth.ActorRef.AskLocal<OAuthReply>(request, _timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return OAuthError.TimedOut;
        }
    }

    /// <summary>For read-only queries to the token actors (JWKS, readiness); null when they do not answer in time.</summary>
    public async Task<T?> Query<T>(object request, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await tokens.ActorRef.Ask<T>(request, timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
