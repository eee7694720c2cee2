using System.Globalization;
using OAuth2.Actors.Auth.ClientAdmin;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>/admin/api/clients</c>: every client for an administrator (list, read, disable, enable, delete), with
/// ProblemDetails errors. RFC 7592's <c>/clients/{id}</c> stays the client's own configuration endpoint.
/// </summary>
public static class ClientAdminEndpoints
{
    public const string Path = "/admin/api/clients";

    public static IEndpointRouteBuilder MapClientAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, IOAuthGateway gateway) =>
        {
            var query = http.Request.Query;
            if (Paging(query["limit"].ToString(), out var limit) is { } problem)
            {
                return Results.Problem(statusCode: 400, title: "Invalid query", detail: problem);
            }

            return Answer(http, await gateway.Send(
                new ClientAdminRequest(AuthorizationHeader.Of(http), ClientAdminOperation.List, null, http.ToRequestContext(),
                    Text(query["q"]), Text(query["after"]), limit),
                http.RequestAborted));
        })
            .WithName("listClients")
            .WithSummary("List the clients")
            .WithDescription("In client_id order, a page at a time: pass the answer's next_after as after for the next page.")
            .WithTags(ApiTags.ClientAdministration)
            .AdminEndpoint()
            .WithQueryParameter("q", "Keep the clients whose client_id or client_name contains this (ignoring case).")
            .WithQueryParameter("after", "The next_after of the previous page.")
            .WithQueryParameter("limit", $"Clients per page, 1 to {ClientDirectoryActor.MaxPage} (default {ClientAdminEndpoint.DefaultPage}).", """{"type":"integer","minimum":1,"maximum":200}""")
            .Responds(StatusCodes.Status200OK, "A page of clients.", Schemas.ClientSummaryList)
            .RespondsProblem(StatusCodes.Status400BadRequest, "limit is not an integer from 1 to 200.");

        app.MapGet(Path + "/{clientId}", (HttpContext http, string clientId, IOAuthGateway gateway) => One(http, gateway, ClientAdminOperation.Read, clientId))
            .WithName("getClientAsAdmin")
            .WithSummary("Read a client")
            .DescribedAsOneClient()
            .Responds(StatusCodes.Status200OK, "The client.", Schemas.ClientSummary);

        app.MapPost(Path + "/{clientId}/disable", (HttpContext http, string clientId, IOAuthGateway gateway) => One(http, gateway, ClientAdminOperation.Disable, clientId))
            .WithName("disableClient")
            .WithSummary("Disable a client")
            .WithDescription("The client can no longer authenticate (so obtain tokens) or start an authorization, on every node once this answers; its access tokens are revoked, up to what a node could still issue after the disable. Disabling a disabled client changes nothing (and records the revocation again: retry this when it answered 503).")
            .DescribedAsOneClient()
            .Responds(StatusCodes.Status200OK, "The client, disabled.", Schemas.ClientSummary);

        app.MapPost(Path + "/{clientId}/enable", (HttpContext http, string clientId, IOAuthGateway gateway) => One(http, gateway, ClientAdminOperation.Enable, clientId))
            .WithName("enableClient")
            .WithSummary("Enable a client again")
            .WithDescription("The client may authenticate and obtain tokens again (the tokens revoked when it was disabled stay revoked). Not before the cut-off of those tokens is over: the disable time plus the request timeout and the client cache's lifetime (what a node could still issue after the disable).")
            .DescribedAsOneClient()
            .Responds(StatusCodes.Status200OK, "The client, enabled.", Schemas.ClientSummary)
            .RespondsProblem(StatusCodes.Status409Conflict, "Too early: the detail says from when the client can be enabled.");

        app.MapDelete(Path + "/{clientId}", (HttpContext http, string clientId, IOAuthGateway gateway) => One(http, gateway, ClientAdminOperation.Delete, clientId))
            .WithName("deleteClientAsAdmin")
            .WithSummary("Delete a client")
            .WithDescription("As RFC 7592's DELETE /clients/{clientId} with an admin token: the client is gone and its tokens stop working at once, on every node.")
            .DescribedAsOneClient()
            .RespondsEmpty(StatusCodes.Status204NoContent, "Deleted.");

        return app;
    }

    /// <summary>The limit of a listing, or why it is not one.</summary>
    public static string? Paging(string? text, out int limit)
    {
        limit = ClientAdminEndpoint.DefaultPage;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= ClientDirectoryActor.MaxPage
            ? null
            : $"limit must be an integer from 1 to {ClientDirectoryActor.MaxPage}.";
    }

    /// <summary>A client as the API shows it (snake_case, RFC 7591's names where it has them).</summary>
    public static object Body(ClientSummary c) => new
    {
        client_id = c.ClientId,
        client_name = c.ClientName,
        redirect_uris = c.RedirectUris,
        grant_types = c.GrantTypes,
        response_types = c.ResponseTypes,
        token_endpoint_auth_method = c.TokenEndpointAuthMethod,
        scope = c.Scope,
        client_id_issued_at = c.IssuedAt,
        openly_registered = c.OpenlyRegistered,
        first_authenticated_at = c.FirstAuthenticatedAt,
        disabled = c.Disabled,
    };

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString() is { Length: > 0 and <= 200 } text ? text : null;

    private static RouteHandlerBuilder DescribedAsOneClient(this RouteHandlerBuilder builder) =>
        builder
            .WithTags(ApiTags.ClientAdministration)
            .AdminEndpoint()
            .WithPathParameter("clientId", "The client's id.")
            .RespondsProblem(StatusCodes.Status404NotFound, "No such client.");

    /// <summary>An operation on one client, as the caller's token.</summary>
    private static async Task<IResult> One(HttpContext http, IOAuthGateway gateway, ClientAdminOperation operation, string clientId) =>
        Answer(http, await gateway.Send(new ClientAdminRequest(AuthorizationHeader.Of(http), operation, clientId, http.ToRequestContext()), http.RequestAborted));

    private static IResult Answer(HttpContext http, OAuthReply reply)
    {
        http.Response.Headers.CacheControl = "no-store";
        return reply switch
        {
            ClientAccount account => Results.Json(Body(account.Client), RequestReader.Json),
            ClientAccounts accounts => Results.Json(
                new { clients = accounts.Page.Clients.Select(Body), matching = accounts.Page.Matching, next_after = accounts.Page.NextAfter },
                RequestReader.Json),
            ClientAccountDeleted => Results.NoContent(),
            _ => HttpOutcomes.AdminProblem(reply, http),
        };
    }
}
