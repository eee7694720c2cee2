using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Auth;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Server.Configuration;
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
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds);

    public async Task<OAuthReply> Send(object request, CancellationToken cancellationToken)
    {
        try
        {
            return await auth.ActorRef.Ask<OAuthReply>(request, _timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return new OAuthError(Errors.TemporarilyUnavailable, "The server did not answer in time; retry.", 503);
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
