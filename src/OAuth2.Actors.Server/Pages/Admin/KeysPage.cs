using Microsoft.AspNetCore.Antiforgery;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.OpenApi;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary><c>/admin/keys</c>: the signing keys (public facts only, as <c>/admin/api/keys</c> lists them) and a rotation on demand.</summary>
public static class KeysPage
{
    public const string Path = ConsolePage.Root + "/keys";

    public static IEndpointRouteBuilder MapConsoleKeys(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, ISigningKeyGateway keys, ServerSettings settings, TimeProvider time, IAntiforgery antiforgery) =>
        {
            if (ConsoleAccess.Deny(http) is { } denied)
            {
                return denied;
            }

            var notice = http.Request.Query["rotated"].ToString() is { Length: > 0 } kid ? ConsolePage.Notice($"Key {kid} added: it signs once every node has it.") : string.Empty;
            return await keys.List(http.RequestAborted) switch
            {
                CurrentSigningKeys current => ConsolePage.Render(http, "Signing keys", notice + Table(KeyEndpoints.Listing(current.Keys, settings, time), Html.Csrf(antiforgery, http))),
                var other => Unavailable(http, other),
            };
        })
            .ConsolePageRoute("consoleKeys", "Console: signing keys", "The signing keys (public facts only) and the rotation form.")
            .WithQueryParameter("rotated", "The key id a rotation just added (shown as a notice).")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The signing keys did not answer in time, or cannot be opened.");

        app.MapPost(Path + "/rotate", async (HttpContext http, ISigningKeyGateway keys, IAntiforgery antiforgery, RequestReader reader) =>
        {
            if (ConsoleAccess.Deny(http) is { } denied)
            {
                return denied;
            }

            var (form, problem) = await BrowserEndpoints.ReadProtectedForm(http, antiforgery, reader);
            if (form is null)
            {
                return ConsolePage.Render(http, "Request refused", Html.Error(problem), status: 400);
            }

            return await keys.Rotate(http.RequestAborted) switch
            {
                SigningKeyRotated rotated => Results.Redirect($"{Path}?rotated={Uri.EscapeDataString(rotated.KeyId)}"),
                SigningKeyRotationRefused refused => ConsolePage.Render(http, "A rotation is already pending", Html.Error(refused.Reason), status: 409),
                var other => Unavailable(http, other),
            };
        })
            .ConsoleActionRoute("consoleRotateKey", "Console: rotate the signing key", "As POST /admin/api/keys/rotate; then back to the keys.", Schemas.ConsoleActionForm)
            .RespondsRedirect("Rotated: to the keys page, naming the new key.")
            .RespondsHtml(StatusCodes.Status409Conflict, "A rotation is already pending.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The signing keys did not answer in time, or cannot be opened.");

        return app;
    }

    private static string Table(IEnumerable<KeyEndpoints.KeyView> keys, string csrf)
    {
        var rows = string.Concat(keys.Select(k => $"""
            <tr><th scope="row"><code>{Html.Encode(k.Kid)}</code></th><td>{Html.Encode(k.Alg)}</td><td>{Html.Encode(k.State)}</td><td>{Html.Encode(k.Source)}</td>
            <td>{k.CreatedAt:u}</td><td>{k.ActivatesAt:u}</td><td>{k.RetiresAt:u}</td><td>{k.ExpiresAt:u}</td></tr>
            """));
        return $"""
            <table aria-label="Signing keys"><thead><tr><th scope="col">Key id</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Source</th>
            <th scope="col">Created</th><th scope="col">Signs from</th><th scope="col">Retires</th><th scope="col">Expires</th></tr></thead><tbody>{rows}</tbody></table>
            <form method="post" action="{Path}/rotate">{csrf}<button type="submit">Rotate the signing key</button></form>
            <p>A new key is published at once and signs once every node has it; the current one keeps verifying until the tokens it signed expire.</p>
            """;
    }

    private static IResult Unavailable(HttpContext http, object? reply) =>
        ConsolePage.Render(http, "Signing keys unavailable", Html.Error(reply is SigningKeysUnavailable u ? u.Reason : "The signing keys did not answer in time."), status: 503);
}
