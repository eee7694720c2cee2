using System.Text.Json;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The admin user API (ProblemDetails errors; a user addressed by user_id, or by username as an alias) and RFC 7592
/// client configuration (OAuth error JSON).
/// </summary>
public static class ManagementEndpoints
{
    public static IEndpointRouteBuilder MapManagementEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/api/users", async (HttpContext http, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (body, problem) = await reader.ReadJson<NewUserBody>(http.Request, http.RequestAborted);
            if (body is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid user", detail: problem);
            }

            return Admin(http, await gateway.Send(new AdminCreateUser(AuthorizationHeader.Of(http), body.Username, body.Password, body.Email, http.ToRequestContext()) { Roles = body.Roles }, http.RequestAborted));
        });

        app.MapGet("/admin/api/users", async (HttpContext http, IOAuthGateway gateway) =>
            Admin(http, await gateway.Send(new AdminListUsers(AuthorizationHeader.Of(http), http.ToRequestContext()), http.RequestAborted)));

        app.MapGet("/admin/api/users/{username}", async (HttpContext http, string username, IOAuthGateway gateway) =>
            Admin(http, await gateway.Send(new AdminGetUser(AuthorizationHeader.Of(http), username, http.ToRequestContext()), http.RequestAborted)));

        app.MapDelete("/admin/api/users/{username}", async (HttpContext http, string username, IOAuthGateway gateway) =>
            Admin(http, await gateway.Send(new AdminDeleteUser(AuthorizationHeader.Of(http), username, http.ToRequestContext()), http.RequestAborted)));

        // Only roles can be changed: {"roles": [...]} replaces them; any other field is refused.
        app.MapPatch("/admin/api/users/{user}", async (HttpContext http, string user, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (body, problem) = await reader.ReadJson<Dictionary<string, JsonElement>>(http.Request, http.RequestAborted);
            if (body is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid user", detail: problem);
            }

            var (roles, refused) = RolesPatch(body);
            return Admin(http, await gateway.Send(new AdminUpdateUser(AuthorizationHeader.Of(http), user, roles, refused, http.ToRequestContext()), http.RequestAborted));
        });

        // /clients/register only takes POST; other methods must not fall through to the client configuration route.
        app.MapMethods("/clients/register", [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete], () =>
            Results.Problem(statusCode: 405, title: "Method not allowed", detail: "Register clients with POST /clients/register."));

        app.MapGet("/clients/{clientId}", async (HttpContext http, string clientId, IOAuthGateway gateway) =>
            Client(http, await gateway.Send(new ClientManagementRequest(AuthorizationHeader.Of(http), clientId, ClientManagementOperation.Read, null, null, null, http.ToRequestContext()), http.RequestAborted)));

        app.MapPut("/clients/{clientId}", async (HttpContext http, string clientId, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (body, problem) = await reader.ReadJson<ClientUpdateBody>(http.Request, http.RequestAborted);
            if (body is null)
            {
                return OAuthResults.BadRequest(Errors.InvalidClientMetadata, problem!, http.Response);
            }

            var metadata = new ClientMetadata(body.RedirectUris, body.GrantTypes, body.ResponseTypes, body.TokenEndpointAuthMethod, body.Scope, body.ClientName);
            return Client(http, await gateway.Send(new ClientManagementRequest(AuthorizationHeader.Of(http), clientId, ClientManagementOperation.Update, metadata, body.ClientId, body.ClientSecret, http.ToRequestContext()), http.RequestAborted));
        });

        app.MapDelete("/clients/{clientId}", async (HttpContext http, string clientId, IOAuthGateway gateway) =>
            Client(http, await gateway.Send(new ClientManagementRequest(AuthorizationHeader.Of(http), clientId, ClientManagementOperation.Delete, null, null, null, http.ToRequestContext()), http.RequestAborted)));

        return app;
    }

    private static IResult Admin(HttpContext http, OAuthReply reply)
    {
        http.Response.Headers.CacheControl = "no-store";
        switch (reply)
        {
            case UserAccount account when http.Request.Method == HttpMethods.Post:
                var issuer = http.RequestServices.GetRequiredService<IOptions<OAuth2Options>>().Value.EffectiveIssuer;
                http.Response.Headers.Location = $"{issuer}/admin/api/users/{Uri.EscapeDataString(account.User.UserId)}";
                return Results.Json(Body(account.User), RequestReader.Json, statusCode: 201);
            case UserAccount account:
                return Results.Json(Body(account.User), RequestReader.Json);
            case UserAccounts accounts:
                return Results.Json(new { users = accounts.Users.Select(Body) }, RequestReader.Json);
            case UserAccountDeleted:
                return Results.NoContent();
            default:
                return HttpOutcomes.AdminProblem(reply, http);
        }
    }

    private static IResult Client(HttpContext http, OAuthReply reply) => reply switch
    {
        ClientConfiguration c => Json(http, c.Response),
        ClientDeleted => Results.NoContent(),
        _ => OAuthResults.From(reply, http.Response),
    };

    private static IResult Json(HttpContext http, ClientRegistrationResponse response)
    {
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(response, RequestReader.Json);
    }

    private static object Body(UserView u) => new { user_id = u.UserId, username = u.Username, email = u.Email, roles = u.Roles, created_at = u.CreatedAt };

    /// <summary>The roles of a PATCH body (null: not given), or why the body is refused.</summary>
    private static (IReadOnlyList<string?>? Roles, string? Problem) RolesPatch(Dictionary<string, JsonElement> body)
    {
        if (body.Keys.FirstOrDefault(k => k != "roles") is { } other)
        {
            return (null, $"'{other}' cannot be changed; only roles can.");
        }

        if (!body.TryGetValue("roles", out var roles))
        {
            return (null, null);
        }

        return roles.ValueKind == JsonValueKind.Array && roles.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String)
            ? (roles.EnumerateArray().Select(r => r.GetString()).ToArray(), null)
            : (null, "roles must be an array of strings.");
    }

    private sealed record NewUserBody(string? Username, string? Password, string? Email, IReadOnlyList<string?>? Roles);

    private sealed record ClientUpdateBody(
        string? ClientId,
        string? ClientSecret,
        IReadOnlyList<string>? RedirectUris,
        IReadOnlyList<string>? GrantTypes,
        IReadOnlyList<string>? ResponseTypes,
        string? TokenEndpointAuthMethod,
        string? Scope,
        string? ClientName);
}
