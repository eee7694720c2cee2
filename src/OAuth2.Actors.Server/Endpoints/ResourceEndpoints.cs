using OAuth2.Actors.Resources;
using OAuth2.Actors.Server.OpenApi;

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
        app.MapPost(Path, (HttpContext http, RequestReader reader, IOAuthGateway gateway) => WithBody(http, reader, gateway, ResourceAdminOperation.Create, null))
            .WithName("createResourceServer")
            .WithSummary("Register a resource server")
            .WithDescription("Pushed to every node before the answer, so a token request on any node may name it as resource at once (a node that does not confirm within a second catches up on its next pull).")
            .DescribedAsResourceApi()
            .AcceptsJson(Schemas.ResourceServerRequest, "The resource server.")
            .Responds(StatusCodes.Status201Created, "Registered; Location names it.", Schemas.ResourceServer, MediaTypes.Json, ResponseHeaders.Location)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid resource server: not JSON, a field missing, a bad resource URI, scope or client.")
            .RespondsProblem(StatusCodes.Status409Conflict, "A resource server is already registered for this resource.");

        app.MapGet(Path, (HttpContext http, IOAuthGateway gateway) => Send(http, gateway, ResourceAdminOperation.List, null, null))
            .WithName("listResourceServers")
            .WithSummary("List the resource servers")
            .DescribedAsResourceApi()
            .Responds(StatusCodes.Status200OK, "The resource servers.", Schemas.ResourceServerList);

        app.MapGet(Path + "/{id}", (HttpContext http, string id, IOAuthGateway gateway) => Send(http, gateway, ResourceAdminOperation.Read, id, null))
            .WithName("getResourceServer")
            .WithSummary("Read a resource server")
            .DescribedAsOneResource()
            .Responds(StatusCodes.Status200OK, "The resource server.", Schemas.ResourceServer);

        app.MapPut(Path + "/{id}", (HttpContext http, string id, RequestReader reader, IOAuthGateway gateway) => WithBody(http, reader, gateway, ResourceAdminOperation.Replace, id))
            .WithName("replaceResourceServer")
            .WithSummary("Replace a resource server")
            .DescribedAsOneResource()
            .AcceptsJson(Schemas.ResourceServerRequest, "The resource server.")
            .Responds(StatusCodes.Status200OK, "The resource server as replaced.", Schemas.ResourceServer)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid resource server: not JSON, a field missing, a bad resource URI, scope or client.")
            .RespondsProblem(StatusCodes.Status409Conflict, "Another resource server is registered for this resource.");

        app.MapDelete(Path + "/{id}", (HttpContext http, string id, IOAuthGateway gateway) => Send(http, gateway, ResourceAdminOperation.Delete, id, null))
            .WithName("deleteResourceServer")
            .WithSummary("Remove a resource server")
            .DescribedAsOneResource()
            .RespondsEmpty(StatusCodes.Status204NoContent, "Removed.");

        return app;
    }

    private static RouteHandlerBuilder DescribedAsResourceApi(this RouteHandlerBuilder builder) =>
        builder.WithTags(ApiTags.ResourceServers).AdminEndpoint();

    private static RouteHandlerBuilder DescribedAsOneResource(this RouteHandlerBuilder builder) =>
        builder
            .DescribedAsResourceApi()
            .WithPathParameter("id", "The resource server's id.")
            .RespondsProblem(StatusCodes.Status404NotFound, "No such resource server.");

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
