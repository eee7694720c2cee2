using System.Text.Json;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Server.OpenApi;
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
        })
            .WithName("createUser")
            .WithSummary("Create a user")
            .WithTags(ApiTags.Users)
            .AdminEndpoint()
            .AcceptsJson(Schemas.NewUser, "The user.")
            .Responds(StatusCodes.Status201Created, "Created; Location names the user by user_id.", Schemas.User, MediaTypes.Json, ResponseHeaders.Location)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid user: not JSON, a bad username, password, email or role.")
            .RespondsProblem(StatusCodes.Status409Conflict, "The username is taken.");

        app.MapGet("/admin/api/users", async (HttpContext http, IOAuthGateway gateway) =>
        {
            var query = http.Request.Query;
            var limitText = query["limit"].ToString();
            if (ClientAdminEndpoints.Paging(limitText, out var limit) is { } problem)
            {
                return Results.Problem(statusCode: 400, title: "Invalid query", detail: problem);
            }

            var paged = limitText.Length > 0 || query.ContainsKey("after");
            return Admin(http, await gateway.Send(
                new AdminListUsers(AuthorizationHeader.Of(http), http.ToRequestContext())
                {
                    Query = Pages.Admin.ConsolePage.QueryText(query["q"]),
                    After = paged ? Pages.Admin.ConsolePage.QueryText(query["after"]) : null,
                    Limit = paged ? limit : null,
                },
                http.RequestAborted));
        })
            .WithName("listUsers")
            .WithSummary("List the users")
            .WithDescription("In username order; every user unless limit or after is given, then a page at a time (pass next_after as after).")
            .WithTags(ApiTags.Users)
            .AdminEndpoint()
            .WithQueryParameter("q", "Keep the users whose username, user_id or email contains this (ignoring case).")
            .WithQueryParameter("after", "The next_after of the previous page.")
            .WithQueryParameter("limit", "Users per page, 1 to 200 (default 50 when after is given).", """{"type":"integer","minimum":1,"maximum":200}""")
            .Responds(StatusCodes.Status200OK, "The users.", Schemas.UserList)
            .RespondsProblem(StatusCodes.Status400BadRequest, "limit is not an integer from 1 to 200.");

        app.MapGet("/admin/api/users/{username}", async (HttpContext http, string username, IOAuthGateway gateway) =>
            Admin(http, await gateway.Send(new AdminGetUser(AuthorizationHeader.Of(http), username, http.ToRequestContext()), http.RequestAborted)))
            .WithName("getUser")
            .WithSummary("Read a user")
            .DescribedAsOneUser("username")
            .Responds(StatusCodes.Status200OK, "The user.", Schemas.User);

        app.MapDelete("/admin/api/users/{username}", async (HttpContext http, string username, IOAuthGateway gateway) =>
            Admin(http, await gateway.Send(new AdminDeleteUser(AuthorizationHeader.Of(http), username, http.ToRequestContext()), http.RequestAborted)))
            .WithName("deleteUser")
            .WithSummary("Delete a user")
            .WithDescription("Deletes the account; the user's tokens stop working at once and their sessions end.")
            .DescribedAsOneUser("username")
            .RespondsEmpty(StatusCodes.Status204NoContent, "Deleted.");

        // Only roles can be changed: {"roles": [...]} replaces them; any other field is refused.
        // {username} as in GET and DELETE: the same resource, one path in the API description (the value is a user_id or a username).
        app.MapPatch("/admin/api/users/{username}", async (HttpContext http, string username, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (body, problem) = await reader.ReadJson<Dictionary<string, JsonElement>>(http.Request, http.RequestAborted);
            if (body is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid user", detail: problem);
            }

            var (roles, refused) = RolesPatch(body);
            return Admin(http, await gateway.Send(new AdminUpdateUser(AuthorizationHeader.Of(http), username, roles, refused, http.ToRequestContext()), http.RequestAborted));
        })
            .WithName("updateUserRoles")
            .WithSummary("Change a user's roles")
            .WithDescription("Only roles can be changed: {\"roles\": [...]} replaces them; any other field is refused.")
            .DescribedAsOneUser("username")
            .AcceptsJson(Schemas.UserRolesPatch, "The roles.")
            .Responds(StatusCodes.Status200OK, "The user as changed.", Schemas.User)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid user: not JSON, a field other than roles, or a bad role.");

        app.MapPost("/admin/api/users/{username}/unlock", async (HttpContext http, string username, IOAuthGateway gateway) =>
            Admin(http, await gateway.Send(new AdminUnlockUser(AuthorizationHeader.Of(http), username, http.ToRequestContext()), http.RequestAborted)))
            .WithName("unlockUser")
            .WithSummary("Reset a user's sign-in back-off")
            .WithDescription("Forgets the user's wrong passwords in a row, so their next sign-in is tried at once instead of waiting out the back-off. Idempotent: a user without failures is answered the same.")
            .DescribedAsOneUser("username")
            .RespondsEmpty(StatusCodes.Status204NoContent, "Reset (or there was nothing to reset).");

        // /clients/register only takes POST; other methods must not fall through to the client configuration route.
        app.MapMethods("/clients/register", [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete], () =>
            Results.Problem(statusCode: 405, title: "Method not allowed", detail: "Register clients with POST /clients/register."))
            .WithTags(ApiTags.Clients)
            .WithSummary("Not allowed: register with POST")
            .WithDescription("The registration endpoint takes POST only; these methods are answered 405 rather than taken for the configuration of a client named register.")
            .Public()
            .RespondsProblem(StatusCodes.Status405MethodNotAllowed, "Register clients with POST /clients/register.");

        app.MapGet("/clients/{clientId}", async (HttpContext http, string clientId, IOAuthGateway gateway) =>
            Client(http, await gateway.Send(new ClientManagementRequest(AuthorizationHeader.Of(http), clientId, ClientManagementOperation.Read, null, null, null, http.ToRequestContext()), http.RequestAborted)))
            .WithName("readClient")
            .WithSummary("Read a client's configuration")
            .WithDescription("RFC 7592 2.1: the client's registration, without its secret or registration access token.")
            .DescribedAsClientConfiguration()
            .Responds(StatusCodes.Status200OK, "The configuration.", Schemas.ClientInformation);

        app.MapPut("/clients/{clientId}", async (HttpContext http, string clientId, RequestReader reader, IOAuthGateway gateway) =>
        {
            var (body, problem) = await reader.ReadJson<ClientUpdateBody>(http.Request, http.RequestAborted);
            if (body is null)
            {
                return OAuthResults.BadRequest(Errors.InvalidClientMetadata, problem!, http.Response);
            }

            var metadata = new ClientMetadata(body.RedirectUris, body.GrantTypes, body.ResponseTypes, body.TokenEndpointAuthMethod, body.Scope, body.ClientName);
            return Client(http, await gateway.Send(new ClientManagementRequest(AuthorizationHeader.Of(http), clientId, ClientManagementOperation.Update, metadata, body.ClientId, body.ClientSecret, http.ToRequestContext()), http.RequestAborted));
        })
            .WithName("updateClient")
            .WithSummary("Replace a client's configuration")
            .WithDescription("RFC 7592 2.2: the metadata replaces the client's. Its own registration token may keep its scopes and add only what open registration could ask for; an admin grants anything.")
            .DescribedAsClientConfiguration()
            .AcceptsJson(Schemas.ClientUpdateRequest, "The client's whole metadata with its client_id.")
            .Responds(StatusCodes.Status200OK, "The configuration as replaced.", Schemas.ClientInformation)
            .RespondsOAuthError(StatusCodes.Status400BadRequest, "invalid_request (the body's client_id is not this client's), invalid_client_metadata (not JSON, a wrong client_secret, a switch between confidential and public, an unsupported value) or invalid_redirect_uri.");

        app.MapDelete("/clients/{clientId}", async (HttpContext http, string clientId, IOAuthGateway gateway) =>
            Client(http, await gateway.Send(new ClientManagementRequest(AuthorizationHeader.Of(http), clientId, ClientManagementOperation.Delete, null, null, null, http.ToRequestContext()), http.RequestAborted)))
            .WithName("deleteClient")
            .WithSummary("Delete a client")
            .WithDescription("RFC 7592 2.3: deletes the client; its tokens stop working at once, on every node.")
            .DescribedAsClientConfiguration()
            .RespondsEmpty(StatusCodes.Status204NoContent, "Deleted.");

        return app;
    }

    private static RouteHandlerBuilder DescribedAsOneUser(this RouteHandlerBuilder builder, string parameter) =>
        builder
            .WithTags(ApiTags.Users)
            .AdminEndpoint()
            .WithPathParameter(parameter, "The user's user_id, or their username (an alias; a user_id wins).")
            .RespondsProblem(StatusCodes.Status404NotFound, "No such user.");

    /// <summary>RFC 7592: the registration access token, or an admin token; errors are RFC 6749 error JSON.</summary>
    private static RouteHandlerBuilder DescribedAsClientConfiguration(this RouteHandlerBuilder builder) =>
        builder
            .WithTags(ApiTags.Clients)
            .Secured((SecuritySchemes.RegistrationAccessToken, []), (SecuritySchemes.OAuth2, [Scopes.Admin]))
            .WithPathParameter("clientId", "The client's id.")
            .RespondsOAuthError(StatusCodes.Status401Unauthorized, "invalid_token: no token, or not this client's registration access token (also when no such client exists, so a token holder learns nothing of other clients).")
            .RespondsOAuthError(StatusCodes.Status404NotFound, "invalid_client: no such client (to an admin token only).")
            .RespondsOAuthErrorWhenUnavailable();

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
                return Results.Json(new { users = accounts.Users.Select(Body), matching = accounts.Matching, next_after = accounts.NextAfter }, RequestReader.Json);
            case UserAccountDeleted or UserAccountUnlocked:
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
