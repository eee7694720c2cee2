using Akka.Event;
using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Introspection;

/// <summary>
/// <c>/oauth/introspect</c> (RFC 7662): an authenticated confidential client asks about a token. It learns that the
/// token is active only when it may (RFC 7662 2.1 and 4): it is the client the token was issued to, the introspecting
/// client of a resource server in the token's audience, or an admin client; to every other client any token is
/// <c>active: false</c>. Refresh tokens are described to their own client only.
/// </summary>
public static class IntrospectionEndpoint
{
    public static readonly EndpointPipeline<IntrospectionContext> Pipeline = new(
        RejectRepeatedParameters<IntrospectionContext>.Instance,
        AuthenticateClient<IntrospectionContext>.Instance,
        new RejectPublicClients(),
        new RequireParameter<IntrospectionContext>(Parameters.Token),
        new IntrospectRefreshToken(),
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

    /// <summary>A token in the refresh-token form is asked of its family, which describes it to its own client only.</summary>
    public sealed class IntrospectRefreshToken : IEndpointStep<IntrospectionContext>
    {
        public async ValueTask Handle(IntrospectionContext context)
        {
            // JWTs are far longer than refresh tokens and have three parts: they fail this at once, without allocating.
            if (!RefreshTokens.TryParse(context.Form.Get(Parameters.Token), out var familyId, out var secret))
            {
                return;
            }

            var services = context.Services;
            var family = await services.Ask<RefreshTokenInspected>(services.RefreshFamilies, new InspectRefreshToken(familyId, secret, context.AuthenticatedClient.ClientId));
            context.Complete(family is { Active: true, ClientId: { } clientId, UserId: { } userId }
                ? new IntrospectionResult(true, new ActiveToken(
                    string.Empty,
                    services.Settings.Issuer,
                    userId,
                    clientId,
                    family.Scope ?? string.Empty,
                    family.Resources ?? [],
                    family.IssuedAt,
                    family.ExpiresAt,
                    familyId,
                    TokenTypes.RefreshToken))
                : IntrospectionResult.Inactive);
        }
    }

    public sealed class IntrospectWithTokenActors : IEndpointStep<IntrospectionContext>
    {
        public async ValueTask Handle(IntrospectionContext context)
        {
            var services = context.Services;
            var caller = context.AuthenticatedClient;

            // Who may learn about an active token: its own client, an admin client, or the introspecting client of a
            // resource server in its audience. Decided by the token actor (which then publishes the refusal as such):
            // comparisons on the node's copy of the resource servers, no Ask once the node has it.
            Func<ActiveToken, bool>? mayKnow = null;
            if (!ScopeSyntax.Contains(caller.Scope, Scopes.Admin))
            {
                var directory = services.Resources.Snapshot ?? await ResourceIndicators.Directory(services);
                var callerId = caller.ClientId;
                mayKnow = token => string.Equals(callerId, token.ClientId, StringComparison.Ordinal) || directory.Introspects(callerId, token.Audiences);
            }

            context.Complete(await services.AskTokens<IntrospectionResult>(new IntrospectToken(context.Form.Get(Parameters.Token)!, context.Request, mayKnow)));
        }
    }
}
