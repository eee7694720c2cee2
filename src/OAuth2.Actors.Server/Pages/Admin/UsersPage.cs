using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.OpenApi;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// <c>/admin/users</c>: the users with their roles and sign-in back-off, a roles form per user, the unlock of a user
/// who is backing off, and deletion behind a confirmation page. The same operations as <c>/admin/api/users</c>, through
/// the same pipeline, which admits the console's session of a user with the admin role as the API admits an admin token.
/// </summary>
public static class UsersPage
{
    public const string Path = ConsolePage.Root + "/users";

    private const string Unavailable = "The users did not answer in time; try again.";

    public static IEndpointRouteBuilder MapConsoleUsers(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, IOAuthGateway gateway, ServerSettings settings, IAntiforgery antiforgery) =>
            ConsoleAccess.Deny(http) ?? await List(http, gateway, settings, antiforgery))
            .ConsolePageRoute("consoleUsers", "Console: users", "The users (username, user_id, email, roles, created) with each one's sign-in back-off, a roles form per user, unlock for a user with failed sign-ins, and a link to delete.")
            .WithQueryParameter("done", "The action just done (roles, unlocked or deleted: shown as a notice with the user).")
            .WithQueryParameter("user", "The username the action was done to.")
            .WithQueryParameter("q", "Keep the users whose username, user_id or email contains this (ignoring case).")
            .WithQueryParameter("after", "The next page: the users after this (normalized) username, 50 a page.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The users did not answer in time.");

        app.MapPost(Path + "/{user}/roles", (HttpContext http, string user, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader) =>
            Act(http, gateway, antiforgery, reader, (form, caller) => form.Get("roles") is { } roles
                ? new AdminUpdateUser(PresentedAuthorization.None, user, SplitRoles(roles), null, http.ToRequestContext()) { ConsoleUser = caller }
                : null, reply => reply is UserAccount account ? Done("roles", account.User.Username) : null))
            .ConsoleActionRoute("consoleSetUserRoles", "Console: change a user's roles", "As PATCH /admin/api/users/{user} with the roles of the form; then back to the users.", Schemas.ConsoleRolesForm)
            .DescribedAsOneUser()
            .RespondsRedirect("Changed: to the users, which say so.");

        app.MapPost(Path + "/{user}/unlock", (HttpContext http, string user, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader) =>
            Act(http, gateway, antiforgery, reader, (_, caller) => new AdminUnlockUser(PresentedAuthorization.None, user, http.ToRequestContext()) { ConsoleUser = caller },
                reply => reply is UserAccountUnlocked unlocked ? Done("unlocked", unlocked.User.Username) : null))
            .ConsoleActionRoute("consoleUnlockUser", "Console: reset a user's sign-in back-off", "As POST /admin/api/users/{user}/unlock; then back to the users.", Schemas.ConsoleActionForm)
            .DescribedAsOneUser()
            .RespondsRedirect("Reset: to the users, which say so.");

        app.MapGet(Path + "/{user}/delete", async (HttpContext http, string user, IOAuthGateway gateway, IAntiforgery antiforgery) =>
            ConsoleAccess.Deny(http) ?? await ConfirmDelete(http, user, gateway, antiforgery))
            .ConsolePageRoute("consoleConfirmDeleteUser", "Console: confirm a user's deletion", "The user to delete and the form that deletes them.")
            .DescribedAsOneUser();

        app.MapPost(Path + "/{user}/delete", (HttpContext http, string user, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader) =>
            Act(http, gateway, antiforgery, reader, (_, caller) => new AdminDeleteUser(PresentedAuthorization.None, user, http.ToRequestContext()) { ConsoleUser = caller },
                reply => reply is UserAccountDeleted deleted ? Done("deleted", deleted.Username) : null))
            .ConsoleActionRoute("consoleDeleteUser", "Console: delete a user", "As DELETE /admin/api/users/{user}: the user's tokens stop working and their sessions end; then back to the users.", Schemas.ConsoleActionForm)
            .DescribedAsOneUser()
            .RespondsRedirect("Deleted: to the users, which say so.");

        return app;
    }

    /// <summary>The roles as typed: separated by spaces or commas (the pipeline checks each, as for the API).</summary>
    private static string[] SplitRoles(string roles) =>
        roles.Split([' ', ',', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static RouteHandlerBuilder DescribedAsOneUser(this RouteHandlerBuilder builder) =>
        builder
            .WithPathParameter("user", "The user's user_id, or their username (an alias; a user_id wins).")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such user.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The users did not answer in time.");

    private static async Task<IResult> List(HttpContext http, IOAuthGateway gateway, ServerSettings settings, IAntiforgery antiforgery)
    {
        var (q, after) = (ConsolePage.QueryText(http.Request.Query["q"]), ConsolePage.QueryText(http.Request.Query["after"]));
        var reply = await gateway.Send(
            new AdminListUsers(PresentedAuthorization.None, http.ToRequestContext()) { ConsoleUser = Caller(http), WithSignInBackoff = true, Query = q, After = after, Limit = ConsolePage.PageSize },
            http.RequestAborted);
        if (reply is not UserAccounts accounts)
        {
            return Failure(http, reply);
        }

        var csrf = Html.Csrf(antiforgery, http);
        var rows = new StringBuilder();
        var index = 0;
        foreach (var u in accounts.Users)
        {
            index++;
            var name = Html.Encode(u.Username);
            var at = $"{Path}/{Uri.EscapeDataString(u.UserId)}";
            var backoff = accounts.SignInBackoff?.GetValueOrDefault(u.UserId);
            var unlock = backoff is { Failures: > 0 }
                ? $"""<form class="inline" method="post" action="{at}/unlock">{csrf}<button type="submit" aria-label="Unlock {name}">Unlock</button></form>"""
                : string.Empty;
            rows.Append($"""
                <tr><th scope="row">{name}</th><td><code>{Html.Encode(u.UserId)}</code></td><td>{Html.Encode(u.Email)}</td><td>{u.CreatedAt:u}</td>
                <td><form class="inline" method="post" action="{at}/roles">{csrf}<label class="vh" for="roles-{index}">Roles of {name}</label>
                <input id="roles-{index}" name="roles" value="{Html.Encode(string.Join(' ', u.Roles))}" size="24" aria-describedby="roles-help">
                <button type="submit" class="secondary" aria-label="Save roles of {name}">Save</button></form></td>
                <td>{SignIn(backoff)}</td>
                <td>{unlock} <a href="{at}/delete" aria-label="Delete {name}">Delete…</a></td></tr>
                """);
        }

        var body = $"""
            {Notice(http)}
            {ConsolePage.Search(Path, "Username, user id or email", q, accounts.Matching, "user")}
            <p id="roles-help">Roles are separated by spaces or commas and replace the user's current ones; an empty field removes every role. The <code>{ConsoleAccess.Role}</code> role opens this console.</p>
            <p>After {settings.SignInBackoffAfterFailures} wrong passwords in a row a user's next sign-in waits, longer with each further failure. <strong>Unlock</strong> forgets the failures: the next sign-in is tried at once.</p>
            <table aria-label="Users"><thead><tr><th scope="col">Username</th><th scope="col">User id</th><th scope="col">Email</th><th scope="col">Created</th>
            <th scope="col">Roles</th><th scope="col">Sign-in</th><th scope="col">Actions</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"7\">No user.</td></tr>" : rows.ToString())}</tbody></table>
            {ConsolePage.NextPage(Path, q, accounts.NextAfter)}
            """;
        return ConsolePage.Render(http, "Users", body);
    }

    /// <summary>The user's back-off in words: failed sign-ins in a row, and the wait while one runs.</summary>
    private static string SignIn(CurrentSignInBackoff? backoff) => backoff switch
    {
        null => "unknown",
        { Failures: 0 } => "no failures",
        { WaitsUntil: { } until } => $"""<span class="state-failing">{backoff.Failures} failed in a row; waiting until {until:u}</span>""",
        _ => $"""<span class="state-paused">{backoff.Failures} failed in a row</span>""",
    };

    private static string Notice(HttpContext http)
    {
        var user = http.Request.Query["user"].ToString();
        return http.Request.Query["done"].ToString() switch
        {
            "roles" => ConsolePage.Notice($"Roles of {user} saved."),
            "unlocked" => ConsolePage.Notice($"{user} unlocked: their next sign-in is tried at once."),
            "deleted" => ConsolePage.Notice($"{user} deleted: their tokens no longer work and their sessions have ended."),
            _ => string.Empty,
        };
    }

    private static async Task<IResult> ConfirmDelete(HttpContext http, string user, IOAuthGateway gateway, IAntiforgery antiforgery)
    {
        var reply = await gateway.Send(new AdminGetUser(PresentedAuthorization.None, user, http.ToRequestContext()) { ConsoleUser = Caller(http) }, http.RequestAborted);
        if (reply is not UserAccount { User: var u })
        {
            return Failure(http, reply);
        }

        var name = Html.Encode(u.Username);
        var self = u.UserId == Caller(http)?.UserId ? "<p><strong>This is your own account:</strong> you will be signed out.</p>" : string.Empty;
        var body = $"""
            <p>Delete <strong>{name}</strong> (<code>{Html.Encode(u.UserId)}</code>, roles: {Html.Encode(u.Roles.Length == 0 ? "none" : string.Join(", ", u.Roles))})?
            The account is removed, its tokens stop working at once and its sessions end. This cannot be undone.</p>
            {self}
            <form method="post" action="{Path}/{Uri.EscapeDataString(u.UserId)}/delete">{Html.Csrf(antiforgery, http)}
            <button type="submit">Delete {name}</button> <a href="{Path}">Cancel, back to the users</a></form>
            """;
        return ConsolePage.Render(http, $"Delete user {u.Username}?", body);
    }

    /// <summary>A form's action: the caller checked, the CSRF token checked, the request built from the form, the pipeline asked.</summary>
    private static async Task<IResult> Act(
        HttpContext http, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader, Func<OAuthParameters, SessionUser, IUserAdminRequest?> request, Func<OAuthReply, IResult?> answer)
    {
        if (ConsoleAccess.Deny(http) is { } denied)
        {
            return denied;
        }

        var (form, problem) = await BrowserEndpoints.ReadProtectedForm(http, antiforgery, reader);
        if (form is null)
        {
            return ConsolePage.Render(http, "Request refused", Html.Error(problem), status: StatusCodes.Status400BadRequest);
        }

        if (request(form, Caller(http)!) is not { } message)
        {
            return ConsolePage.Render(http, "Request refused", Html.Error("The form is incomplete: it has no roles field."), status: StatusCodes.Status400BadRequest);
        }

        var reply = await gateway.Send(message, http.RequestAborted);
        return answer(reply) ?? Failure(http, reply);
    }

    private static SessionUser? Caller(HttpContext http) => BrowserEndpoints.SessionUserOf(http.User);

    private static IResult Done(string action, string username) =>
        Results.Redirect($"{Path}?done={action}&user={Uri.EscapeDataString(username)}");

    private static IResult Failure(HttpContext http, OAuthReply reply) =>
        ConsolePage.Failure(http, reply, Unavailable, $"""<p><a href="{Path}">Back to the users</a></p>""");
}
