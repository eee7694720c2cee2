using OAuth2.Actors.Auth;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>The OAuth2 endpoints. Each handler reads the request, asks the AuthActor, and writes its reply: nothing more.</summary>
public static class OAuthEndpoints
{
    public static IEndpointRouteBuilder MapOAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/oauth/token", (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
            FormEndpoint(http, reader, gateway, (auth, form, ctx) => new TokenEndpointRequest(auth, form, ctx)))
            .WithName("token")
            .WithTags(ApiTags.OAuth)
            .WithSummary("Token endpoint")
            .WithDescription("RFC 6749 3.2: exchanges a grant (authorization_code with PKCE, client_credentials, refresh_token, password when enabled, or an extension grant) for an access token. Answers carry Cache-Control: no-store.")
            .RequiresClientAuthentication()
            .AcceptsForm(Schemas.TokenRequest, "The grant and its parameters; with client_secret_post, the client's credentials.")
            .Responds(StatusCodes.Status200OK, "The access token (and a refresh token for the grants that issue one).", Schemas.TokenResponse)
            .RespondsOAuthError(StatusCodes.Status400BadRequest, "invalid_request (not a form, too large, a missing or repeated parameter), invalid_grant, unauthorized_client, unsupported_grant_type, invalid_scope or invalid_target.")
            .RespondsOAuthError(StatusCodes.Status401Unauthorized, "invalid_client: client authentication failed (with a Basic challenge when HTTP Basic was tried).")
            .RespondsOAuthError(StatusCodes.Status429TooManyRequests, "temporarily_unavailable: too many failed client authentications, or password-grant sign-ins, from this source address.")
            .RespondsOAuthErrorWhenUnavailable();

        app.MapPost("/oauth/introspect", (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
            FormEndpoint(http, reader, gateway, (auth, form, ctx) => new IntrospectionEndpointRequest(auth, form, ctx)))
            .WithName("introspect")
            .WithTags(ApiTags.OAuth)
            .WithSummary("Token introspection")
            .WithDescription("RFC 7662: whether a token is active and its claims, told only to the token's client, the introspecting client of a resource server in its audience, or an admin client; any other caller learns {\"active\": false}. Confidential clients only.")
            .RequiresClientAuthentication()
            .AcceptsForm(Schemas.IntrospectionRequest, "The token; with client_secret_post, the client's credentials.")
            .Responds(StatusCodes.Status200OK, "The token's state.", Schemas.IntrospectionResponse)
            .RespondsOAuthError(StatusCodes.Status400BadRequest, "invalid_request: not a form, too large, token missing or a parameter repeated.")
            .RespondsOAuthError(StatusCodes.Status401Unauthorized, "invalid_client (client authentication failed) or unauthorized_client (a public client).")
            .RespondsOAuthError(StatusCodes.Status429TooManyRequests, "temporarily_unavailable: too many failed client authentications from this source address.")
            .RespondsOAuthErrorWhenUnavailable();

        app.MapPost("/oauth/revoke", (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
            FormEndpoint(http, reader, gateway, (auth, form, ctx) => new RevocationEndpointRequest(auth, form, ctx)))
            .WithName("revoke")
            .WithTags(ApiTags.OAuth)
            .WithSummary("Token revocation")
            .WithDescription("RFC 7009: revokes one of the client's tokens; a refresh token takes its family and its grant's access tokens with it. An unknown token is answered 200 too.")
            .RequiresClientAuthentication()
            .AcceptsForm(Schemas.RevocationRequest, "The token; with client_secret_post, the client's credentials.")
            .RespondsEmpty(StatusCodes.Status200OK, "Revoked, or the token was unknown (RFC 7009 2.2).")
            .RespondsOAuthError(StatusCodes.Status400BadRequest, "invalid_request (not a form, token missing, a parameter repeated) or unauthorized_client (the token belongs to another client).")
            .RespondsOAuthError(StatusCodes.Status401Unauthorized, "invalid_client: client authentication failed.")
            .RespondsOAuthError(StatusCodes.Status429TooManyRequests, "temporarily_unavailable: too many failed client authentications from this source address.")
            .RespondsOAuthErrorWhenUnavailable();

        app.MapPost("/clients/register", async (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (metadata, problem) = await reader.ReadJson<ClientMetadata>(http.Request, http.RequestAborted);
            if (metadata is null)
            {
                return OAuthResults.BadRequest(Errors.InvalidClientMetadata, problem!, http.Response);
            }

            var reply = await gateway.Send(new RegistrationEndpointRequest(AuthorizationHeader.Of(http), metadata, http.ToRequestContext()), http.RequestAborted);
            return OAuthResults.From(reply, http.Response);
        })
            .WithName("registerClient")
            .WithTags(ApiTags.Clients)
            .WithSummary("Register a client")
            .WithDescription("RFC 7591: with the initial access token or an admin access token, any scope; without a token only when open registration is on (OAUTH2_REGISTRATION_OPEN), and then only scopes of OAUTH2_REGISTRATION_ALLOWED_SCOPES. The answer holds the client secret and the registration access token, shown this once.")
            .Secured((SecuritySchemes.InitialAccessToken, []), (SecuritySchemes.OAuth2, [Scopes.Admin]), (string.Empty, []))
            .AcceptsJson(Schemas.ClientMetadata, "The client's metadata.")
            .Responds(StatusCodes.Status201Created, "Registered.", Schemas.ClientInformation)
            .RespondsOAuthError(StatusCodes.Status400BadRequest, "invalid_client_metadata (not JSON, an unsupported grant, method or scope) or invalid_redirect_uri.")
            .RespondsOAuthError(StatusCodes.Status401Unauthorized, "invalid_token: a token is required (registration is closed), the token is not valid, or the Authorization header is not Bearer.")
            .RespondsOAuthError(StatusCodes.Status429TooManyRequests, "temporarily_unavailable: too many open registrations (without a token) from this source address.")
            .RespondsOAuthErrorWhenUnavailable();

        return app;
    }

    private static async Task<IResult> FormEndpoint(
        HttpContext http,
        RequestReader reader,
        IOAuthGateway gateway,
        Func<PresentedAuthorization, OAuthParameters, RequestContext, object> message)
    {
        var (form, problem) = await reader.ReadForm(http.Request, http.RequestAborted);
        if (form is null)
        {
            return OAuthResults.BadRequest(Errors.InvalidRequest, problem!, http.Response);
        }

        var reply = await gateway.Send(message(AuthorizationHeader.Of(http), form, http.ToRequestContext()), http.RequestAborted);
        return OAuthResults.From(reply, http.Response);
    }
}
