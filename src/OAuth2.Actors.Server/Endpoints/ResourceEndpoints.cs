using OAuth2.Actors.Resources;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>/admin/api/resources</c>: the resource servers of RFC 8707 (admin scope; errors are ProblemDetails). Each has an
/// <c>id</c>, its <c>resource</c> URI (the audience of tokens for it), the <c>scopes</c> it accepts, and the
/// <c>client_id</c> it introspects tokens as.
/// </summary>
public static class ResourceEndpoints
{
    public const string Path = "/admin/api/resources";

    public static IEndpointRouteBuilder MapResourceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (HttpContext http, RequestReader reader, IOAuthGateway gateway) => WithBody(http, reader, gateway, ResourceAdminOperation.Create, null));

        app.MapGet(Path, (HttpContext http, IOAuthGateway gateway) => Send(http, gateway, ResourceAdminOperation.List, null, null));

        app.MapGet(Path + "/{id}", (HttpContext http, string id, IOAuthGateway gateway) => Send(http, gateway, ResourceAdminOperation.Read, id, null));

        app.MapPut(Path + "/{id}", (HttpContext http, string id, RequestReader reader, IOAuthGateway gateway) => WithBody(http, reader, gateway, ResourceAdminOperation.Replace, id));

        app.MapDelete(Path + "/{id}", (HttpContext http, string id, IOAuthGateway gateway) => Send(http, gateway, ResourceAdminOperation.Delete, id, null));

        return app;
    }

    private static async Task<IResult> WithBody(HttpContext http, RequestReader reader, IOAuthGateway gateway, ResourceAdminOperation operation, string? id)
    {
        var (body, problem) = await reader.ReadJson<ResourceBody>(http.Request, http.RequestAborted);
        if (body is null)
        {
            http.Response.Headers.CacheControl = "no-store";
            return Results.Problem(statusCode: 400, title: "Invalid resource server", detail: problem);
        }

        return await Send(http, gateway, operation, id, new ResourceServerInput(body.Resource, body.Scopes, body.ClientId));
    }

    private static async Task<IResult> Send(HttpContext http, IOAuthGateway gateway, ResourceAdminOperation operation, string? id, ResourceServerInput? input)
    {
        var reply = await gateway.Send(new ResourceAdminRequest(AuthorizationHeader.Of(http), operation, id, input, http.ToRequestContext()), http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        switch (reply)
        {
            case ResourceServerAnswer { Server: var server } when operation == ResourceAdminOperation.Create:
                http.Response.Headers.Location = $"{Path}/{Uri.EscapeDataString(server.Id)}";
                return Results.Json(Body(server), RequestReader.Json, statusCode: StatusCodes.Status201Created);
            case ResourceServerAnswer { Server: var server }:
                return Results.Json(Body(server), RequestReader.Json);
            case ResourceServerList list:
                return Results.Json(new { resources = list.Servers.Select(Body) }, RequestReader.Json);
            case ResourceServerRemovedAnswer:
                return Results.NoContent();
            default:
                return HttpOutcomes.AdminProblem(reply, http);
        }
    }

    private static ResourceServerView Body(ResourceServer s) =>
        new(s.Id, s.Resource, s.Scopes, s.ClientId, s.CreatedAt.ToUnixTimeSeconds(), s.UpdatedAt.ToUnixTimeSeconds());

    private sealed record ResourceBody(string? Resource, IReadOnlyList<string>? Scopes, string? ClientId);

    private sealed record ResourceServerView(string Id, string Resource, IReadOnlyList<string> Scopes, string ClientId, long CreatedAt, long UpdatedAt);
}
