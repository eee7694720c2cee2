using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Introspection;

/// <summary><c>/oauth/introspect</c> (RFC 7662): an authenticated confidential client asks about a token.</summary>
public static class IntrospectionEndpoint
{
    public static readonly EndpointPipeline<IntrospectionContext> Pipeline = new(
        RejectRepeatedParameters<IntrospectionContext>.Instance,
        AuthenticateClient<IntrospectionContext>.Instance,
        new RejectPublicClients(),
        new RequireParameter<IntrospectionContext>(Parameters.Token),
        new IntrospectWithTokenActors());

    /// <summary>RFC 7662 2.1: the endpoint is protected; a public client has nothing to protect it with.</summary>
    public sealed class RejectPublicClients : IEndpointStep<IntrospectionContext>
    {
        public ValueTask Handle(IntrospectionContext context)
        {
            if (context.AuthenticatedClient.TokenEndpointAuthMethod == ClientAuthMethods.None)
            {
                context.Reject(Errors.UnauthorizedClient, "Public clients may not introspect tokens.", FailureKind.Unauthenticated);
            }

            return ValueTask.CompletedTask;
        }
    }

    public sealed class IntrospectWithTokenActors : IEndpointStep<IntrospectionContext>
    {
        public async ValueTask Handle(IntrospectionContext context)
        {
            var services = context.Services;
            context.Complete(await services.AskTokens<IntrospectionResult>(new IntrospectToken(context.Form.Get(Parameters.Token)!, context.Request)));
        }
    }
}
