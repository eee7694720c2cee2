using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using OAuth2.Actors.Auth.ClientAdmin;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// <c>/admin/clients</c>: every client (searchable, a page at a time), one client's registration, and disable, enable
/// and delete. The same operations as <c>/admin/api/clients</c>, through the same pipeline, as the session's admin.
/// </summary>
public static class ClientsPage
{
    public const string Path = ConsolePage.Root + "/clients";

    public static IEndpointRouteBuilder MapConsoleClients(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, IOAuthGateway gateway) =>
        {
            if (ConsoleAccess.Deny(http) is { } denied)
            {
                return denied;
            }

            var (q, after) = (ConsolePage.QueryText(http.Request.Query["q"]), ConsolePage.QueryText(http.Request.Query["after"]));
            return await Send(http, gateway, ClientAdminOperation.List, null, q, after) switch
            {
                ClientAccounts accounts => ConsolePage.Render(http, "Clients",
                    ConsolePage.Notice(http.Request.Query["deleted"].ToString() is { Length: > 0 } gone ? $"Client {gone} deleted." : null) + Listing(accounts.Page, q)),
                var other => Failure(http, other),
            };
        })
            .ConsolePageRoute("consoleClients", "Console: clients", "Every client in client_id order, 50 a page, with a search by id or name.")
            .WithQueryParameter("q", "Keep the clients whose client_id or client_name contains this (ignoring case).")
            .WithQueryParameter("after", "The last client_id of the previous page.")
            .WithQueryParameter("deleted", "The client a deletion just removed (shown as a notice).")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The client directory did not answer in time.");

        app.MapGet(Path + "/{clientId}", async (HttpContext http, string clientId, IOAuthGateway gateway, IAntiforgery antiforgery) =>
        {
            if (ConsoleAccess.Deny(http) is { } denied)
            {
                return denied;
            }

            return await Send(http, gateway, ClientAdminOperation.Read, clientId) switch
            {
                ClientAccount account => ConsolePage.Render(http, $"Client {account.Client.ClientName ?? account.Client.ClientId}",
                    ConsolePage.Notice(Notice(http.Request.Query["done"].ToString())) + Details(account.Client, Html.Csrf(antiforgery, http))),
                var other => Failure(http, other),
            };
        })
            .ConsolePageRoute("consoleClient", "Console: a client", "The client's registration (never its secret) with the disable, enable and delete forms.")
            .WithPathParameter("clientId", "The client's id.")
            .WithQueryParameter("done", "The action just taken (disabled or enabled), shown as a notice.")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such client.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The client did not answer in time.");

        MapAction(app, "disable", ClientAdminOperation.Disable, "consoleDisableClient", "Console: disable a client",
            "As POST /admin/api/clients/{clientId}/disable; then back to the client.", Schemas.ConsoleActionForm);
        MapAction(app, "enable", ClientAdminOperation.Enable, "consoleEnableClient", "Console: enable a client",
            "As POST /admin/api/clients/{clientId}/enable; then back to the client.", Schemas.ConsoleActionForm);
        MapAction(app, "delete", ClientAdminOperation.Delete, "consoleDeleteClient", "Console: delete a client",
            "As DELETE /admin/api/clients/{clientId}, once the form's confirmation box is ticked; then to the list.", Schemas.ConsoleClientDeleteForm);
        return app;
    }

    private static void MapAction(IEndpointRouteBuilder app, string action, ClientAdminOperation operation, string name, string summary, string description, string form) =>
        app.MapPost($"{Path}/{{clientId}}/{action}", async (HttpContext http, string clientId, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader) =>
        {
            if (ConsoleAccess.Deny(http) is { } denied)
            {
                return denied;
            }

            var (fields, problem) = await BrowserEndpoints.ReadProtectedForm(http, antiforgery, reader);
            if (fields is null)
            {
                return ConsolePage.Render(http, "Request refused", Html.Error(problem), status: 400);
            }

            if (operation == ClientAdminOperation.Delete && fields.Get("confirm") != "delete")
            {
                return ConsolePage.Render(http, "Request refused", Html.Error("Tick the box to confirm the deletion: it cannot be undone."), status: 400);
            }

            var escaped = Uri.EscapeDataString(clientId);
            return await Send(http, gateway, operation, clientId) switch
            {
                ClientAccountDeleted => Results.Redirect($"{Path}?deleted={escaped}"),
                ClientAccount account => Results.Redirect($"{Path}/{escaped}?done={(account.Client.Disabled ? "disabled" : "enabled")}"),
                var other => Failure(http, other),
            };
        })
            .ConsoleActionRoute(name, summary, description, form)
            .WithPathParameter("clientId", "The client's id.")
            .RespondsRedirect(operation == ClientAdminOperation.Delete ? "Deleted: to the list of clients, which says so." : "Done: to the client's page, which says so.")
            .RespondsHtml(StatusCodes.Status409Conflict, "Enable only: too early, the page says from when.")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such client.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The client did not answer in time.");

    private static Task<OAuthReply> Send(HttpContext http, IOAuthGateway gateway, ClientAdminOperation operation, string? clientId, string? q = null, string? after = null) =>
        gateway.Send(
            new ClientAdminRequest(PresentedAuthorization.None, operation, clientId, http.ToRequestContext(), q, after) { ConsoleUser = BrowserEndpoints.SessionUserOf(http.User) },
            http.RequestAborted);

    private static string Listing(ClientPage page, string? q)
    {
        var rows = new StringBuilder();
        foreach (var c in page.Clients)
        {
            var id = Html.Encode(c.ClientId);
            rows.Append($"""
                <tr><th scope="row"><a href="{Path}/{Uri.EscapeDataString(c.ClientId)}">{id}</a></th><td>{Html.Encode(c.ClientName)}</td>
                <td>{Html.Encode(c.TokenEndpointAuthMethod)}</td><td>{Html.Encode(string.Join(" ", c.GrantTypes))}</td><td>{Html.Encode(c.Scope)}</td>
                <td>{DateTimeOffset.FromUnixTimeSeconds(c.IssuedAt):u}</td><td>{Status(c)}</td></tr>
                """);
        }

        return $"""
            {ConsolePage.Search(Path, "Client id or name", q, page.Matching, "client")}
            <table aria-label="Clients"><thead><tr><th scope="col">Client id</th><th scope="col">Name</th><th scope="col">Authentication</th>
            <th scope="col">Grant types</th><th scope="col">Scope</th><th scope="col">Registered</th><th scope="col">Status</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"7\">No client.</td></tr>" : rows.ToString())}</tbody></table>
            {ConsolePage.NextPage(Path, q, page.NextAfter)}
            """;
    }

    private static string Details(ClientSummary c, string csrf)
    {
        var id = Uri.EscapeDataString(c.ClientId);
        var label = Html.Encode(c.ClientId);
        var toggle = c.Disabled
            ? $"""<form class="inline" method="post" action="{Path}/{id}/enable">{csrf}<button type="submit" aria-label="Enable {label}">Enable</button></form>"""
            : $"""<form class="inline" method="post" action="{Path}/{id}/disable">{csrf}<button type="submit" class="secondary" aria-label="Disable {label}">Disable</button></form>""";
        return $"""
            <p><a href="{Path}">All clients</a></p>
            <table aria-label="Registration"><tbody>
            <tr><th scope="row">Client id</th><td><code>{label}</code></td></tr>
            <tr><th scope="row">Name</th><td>{Html.Encode(c.ClientName)}</td></tr>
            <tr><th scope="row">Status</th><td>{Status(c)}</td></tr>
            <tr><th scope="row">Authentication</th><td>{Html.Encode(c.TokenEndpointAuthMethod)}</td></tr>
            <tr><th scope="row">Grant types</th><td>{Html.Encode(string.Join(" ", c.GrantTypes))}</td></tr>
            <tr><th scope="row">Response types</th><td>{Html.Encode(string.Join(" ", c.ResponseTypes))}</td></tr>
            <tr><th scope="row">Scope</th><td>{Html.Encode(c.Scope)}</td></tr>
            <tr><th scope="row">Redirect URIs</th><td>{string.Join("<br>", c.RedirectUris.Select(u => $"<code>{Html.Encode(u)}</code>"))}</td></tr>
            <tr><th scope="row">Registered</th><td>{DateTimeOffset.FromUnixTimeSeconds(c.IssuedAt):u}{(c.OpenlyRegistered ? " (openly, without a token)" : string.Empty)}</td></tr>
            <tr><th scope="row">First authenticated</th><td>{(c.FirstAuthenticatedAt is { } first ? DateTimeOffset.FromUnixTimeSeconds(first).ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "not recorded")}</td></tr>
            </tbody></table>
            <h2 id="status">Status</h2>
            <p>A disabled client can neither authenticate (so obtain tokens) nor start an authorization; disabling it revokes its access tokens, and it can be enabled again once what a node could still issue after the disable is revoked too (the request timeout and the client cache's lifetime later).</p>
            {toggle}
            <h2 id="delete">Delete</h2>
            <form method="post" action="{Path}/{id}/delete" aria-labelledby="delete">{csrf}
            <p><input type="checkbox" id="confirm" name="confirm" value="delete" required> <label for="confirm">Delete {label}: its tokens stop working at once, and this cannot be undone.</label></p>
            <button type="submit" aria-label="Delete {label}">Delete</button></form>
            """;
    }

    private static string Status(ClientSummary c) =>
        c.Disabled ? """<span class="state-failing">disabled</span>""" : "active";

    private static string? Notice(string done) => done switch
    {
        "disabled" => "Client disabled: it can no longer authenticate, and its tokens were revoked.",
        "enabled" => "Client enabled: it may authenticate again.",
        _ => null,
    };

    private static IResult Failure(HttpContext http, OAuthReply reply) => ConsolePage.Failure(http, reply, "The clients did not answer in time.");
}
