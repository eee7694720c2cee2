using Akka.Event;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Auth.Shared;

/// <summary>RFC 6749 3.1: request parameters must not be included more than once.</summary>
public sealed class RejectRepeatedParameters<TContext> : IEndpointStep<TContext>
    where TContext : FormEndpointContext
{
    public static readonly RejectRepeatedParameters<TContext> Instance = new();

    public ValueTask Handle(TContext context)
    {
        if (context.Form.FirstRepeated() is { } repeated)
        {
            context.Reject(OAuthError.InvalidRequest($"Parameter '{repeated}' was sent more than once."));
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A required parameter (RFC 6749 3.1: an empty one counts as absent).</summary>
public sealed class RequireParameter<TContext>(string name) : IEndpointStep<TContext>
    where TContext : FormEndpointContext
{
    public ValueTask Handle(TContext context)
    {
        if (context.Form.Get(name) is null)
        {
            context.Reject(OAuthError.InvalidRequest($"{name} is required."));
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// RFC 6749 2.3: authenticates the client (Basic, form or public) against its entity. Credentials that never reach a
/// client entity (absent, malformed) are failed validations too, and are published as such.
/// </summary>
public sealed class AuthenticateClient<TContext> : IEndpointStep<TContext>
    where TContext : FormEndpointContext
{
    public static readonly AuthenticateClient<TContext> Instance = new();

    public async ValueTask Handle(TContext context)
    {
        var services = context.Services;
        var (presented, error) = ClientCredentialsReader.Read(context.Authorization, context.Form);
        if (presented is null)
        {
            services.Events.Publish(EventType.ClientValidated, context.Request, metadata: new Dictionary<string, string>
            {
                ["success"] = "false",
                ["reason"] = error!.Description,
            }, severity: EventSeverity.Warning, error: error.Error);
            context.Reject(error);
            return;
        }

        // A recent success with the same credentials and method, and the client unchanged since: no trip to its entity
        // (which decides, and publishes, anything else).
        var cache = services.ClientCache;
        if (cache.TryAuthenticate(presented.ClientId, presented.Secret) is { } known && known.TokenEndpointAuthMethod == presented.Method)
        {
            ClientAuthenticationEvents.Succeeded(services.Events, context.Request, presented.ClientId, presented.Method);
            context.Client = known;
            return;
        }

        // A client id this node recently heard does not exist: refused from memory, without starting an entity.
        var unknownIds = services.UnknownIds;
        if (unknownIds.IsUnknown(UnknownIdKind.Client, presented.ClientId))
        {
            ClientAuthenticationEvents.Failed(services.Events, context.Request, presented.ClientId, presented.Method, ClientAuthenticationFailure.UnknownClient);
            context.Reject(OAuthError.InvalidClient(presented.Method == ClientAuthMethods.ClientSecretBasic));
            return;
        }

        var epoch = cache.Epoch;
        var generation = unknownIds.Generation;
        var reply = await services.AskIdempotent<object>(services.Clients, new Clients.AuthenticateClient(presented.ClientId, presented.Secret, presented.Method, context.Request));
        if (reply is ClientAuthenticationFailed { Reason: ClientAuthenticationFailure.UnknownClient })
        {
            unknownIds.Remember(UnknownIdKind.Client, presented.ClientId, generation);
        }

        if (reply is ClientAuthenticated ok)
        {
            cache.Remember(presented.ClientId, presented.Secret, ok.Client, epoch);
            context.Client = ok.Client;
            return;
        }

        // The client entity published the failure with its reason; the caller learns only that it failed.
        if (reply is ClientAuthenticationFailed failed)
        {
            services.Log.Info("Client authentication failed for {ClientId}: {Reason}", failed.ClientId, failed.Reason.Describe());
        }

        context.Reject(OAuthError.InvalidClient(presented.Method == ClientAuthMethods.ClientSecretBasic));
    }
}
