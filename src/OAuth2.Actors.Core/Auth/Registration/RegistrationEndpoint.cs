using OAuth2.Actors.Auth.Bearer;
using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Auth.Registration;

/// <summary>
/// <c>/clients/register</c> (RFC 7591): with the initial access token (RFC 7591 3.1) or an admin access token, any
/// scope; without a token only when open registration is on, and then only scopes from its allow-list.
/// </summary>
public static class RegistrationEndpoint
{
    public static readonly EndpointPipeline<RegistrationContext> Pipeline = new(new CheckInitialAccessToken(), new RegisterWithClientEntity());

    public sealed class CheckInitialAccessToken : IEndpointStep<RegistrationContext>
    {
        public async ValueTask Handle(RegistrationContext context)
        {
            var services = context.Services;
            var bearer = context.Authorization.BearerToken;
            if (bearer is null && context.Authorization.Scheme != AuthorizationScheme.None)
            {
                // Basic credentials or a header that does not parse: not a registration without a token in disguise.
                context.Reject(new OAuthError(Errors.InvalidToken, "Registration takes a Bearer token (the initial access token or an admin access token), or none.", FailureKind.Unauthenticated, AuthChallenge.BearerInvalid));
                return;
            }

            if (bearer is null)
            {
                // Closed unless the operator opened it (RFC 7591 3: the server may require an initial access token).
                if (!services.Settings.RegistrationOpen)
                {
                    context.Reject(new OAuthError(Errors.InvalidToken, "Registration requires an initial access token or an admin access token.", FailureKind.Unauthenticated, AuthChallenge.BearerRequired));
                }

                return;
            }

            context.Privileged = Secrets.FixedTimeEquals(bearer, services.Settings.RegistrationInitialAccessToken)
                || await BearerTokens.HasScope(services, bearer, Scopes.Admin, context.Request);

            // A presented token must be one that authorises registration, open or not: a wrong token is an error, not a shrug.
            if (!context.Privileged)
            {
                context.Reject(new OAuthError(Errors.InvalidToken, "The initial access token is not valid.", FailureKind.Unauthenticated, AuthChallenge.BearerInvalid));
            }
        }
    }

    public sealed class RegisterWithClientEntity : IEndpointStep<RegistrationContext>
    {
        public async ValueTask Handle(RegistrationContext context)
        {
            var services = context.Services;
            context.Complete(await services.Ask<OAuthReply>(services.Clients, RegisterClient.Create(context.Metadata, context.Privileged, context.Request)));
        }
    }
}
