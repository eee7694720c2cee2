using OAuth2.Actors.Auth;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>The OAuth2 endpoints. Each handler reads the request, asks the AuthActor, and writes its reply: nothing more.</summary>
public static class OAuthEndpoints
{
    public static IEndpointRouteBuilder MapOAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/oauth/token", (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
            FormEndpoint(http, reader, gateway, (auth, form, ctx) => new TokenEndpointRequest(auth, form, ctx)));

        app.MapPost("/oauth/introspect", (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
            FormEndpoint(http, reader, gateway, (auth, form, ctx) => new IntrospectionEndpointRequest(auth, form, ctx)));

        app.MapPost("/oauth/revoke", (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
            FormEndpoint(http, reader, gateway, (auth, form, ctx) => new RevocationEndpointRequest(auth, form, ctx)));

        app.MapPost("/clients/register", async (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (metadata, problem) = await reader.ReadJson<ClientMetadata>(http.Request, http.RequestAborted);
            if (metadata is null)
            {
                return OAuthResults.BadRequest(Errors.InvalidClientMetadata, problem!, http.Response);
            }

            var reply = await gateway.Send(new RegistrationEndpointRequest(AuthorizationHeader.Of(http), metadata, http.ToRequestContext()), http.RequestAborted);
            return OAuthResults.From(reply, http.Response);
        });

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
