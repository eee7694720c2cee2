using System.Text;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// The admin console's layout: the sign-in pages' rules (no external asset, a style sheet and script allowed by nonce
/// only, no framing, no caching) on a wider page with the console's navigation. The only script is the live stream
/// page's own, and it may connect to this server only.
/// </summary>
public static class ConsolePage
{
    public const string Root = "/admin";

    private static readonly (string Path, string Label)[] Sections =
    [
        (Root, "Dashboard"),
        (Root + "/events", "Live events"),
        (Root + "/clients", "Clients"),
        (Root + "/users", "Users"),
        (Root + "/webhooks", "Webhooks"),
        (Root + "/keys", "Signing keys"),
    ];

    /// <summary>A console page; <paramref name="script"/> (trusted, the page's own) runs under the page's nonce.</summary>
    public static IResult Render(HttpContext http, string title, string body, string? script = null, int status = 200)
    {
        var nonce = Html.Protect(http, nonce =>
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        var path = http.Request.Path.Value ?? Root;
        var nav = string.Concat(Sections.Select(s =>
            $"""<li><a href="{s.Path}"{(string.Equals(s.Path, path, StringComparison.Ordinal) ? " aria-current=\"page\"" : string.Empty)}>{s.Label}</a></li>"""));
        var user = http.User.Identity?.Name;
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Html.Encode(title)}} · OAuth2.Actors console</title>
            <style nonce="{{nonce}}">
            body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;line-height:1.45}
            header{background:#0b3d91;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between}
            header a{color:#fff}header nav ul{list-style:none;margin:0;padding:0;display:flex;gap:1rem;flex-wrap:wrap}
            header nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
            main{padding:1rem 1.2rem;max-width:80rem}
            h1{font-size:1.4rem;margin:.4rem 0 1rem}h2{font-size:1.15rem;margin-top:1.6rem}
            table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.95rem}
            th,td{border:1px solid #c4c4c4;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
            form.inline{display:inline-flex;gap:.4rem;align-items:center;flex-wrap:wrap;margin:0}
            label{font-weight:600}input,select{padding:.3rem;font-size:.95rem;border:1px solid #767676;border-radius:4px}
            button{padding:.35rem .8rem;font-size:.95rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}
            button.secondary{background:#fff;color:#0b57d0}
            .notice{border:1px solid #1e6b34;color:#1e6b34;padding:.5rem;border-radius:4px}
            .error{color:#b3261e;border:1px solid #b3261e;padding:.5rem;border-radius:4px}
            code{background:#f1f1f1;padding:0 .2rem;word-break:break-all}
            .stats{display:flex;gap:2rem;flex-wrap:wrap}.stats div{min-width:10rem}.stats strong{display:block;font-size:1.5rem}
            .state-failing{color:#b3261e;font-weight:700}.state-paused{color:#8a5300;font-weight:700}
            .vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
            </style>
            </head>
            <body>
            <header>
            <a href="{{Root}}"><strong>OAuth2.Actors console</strong></a>
            <nav aria-label="Console"><ul>{{nav}}</ul></nav>
            <span>Signed in as <strong>{{Html.Encode(user)}}</strong> · <a href="/auth/logout">Sign out</a></span>
            </header>
            <main>
            <h1>{{Html.Encode(title)}}</h1>
            {{body}}
            </main>
            {{(script is null ? string.Empty : $"<script nonce=\"{nonce}\">{script}</script>")}}
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>
    /// A refused or unanswered action as a page: an admin refusal with its status, an OAuth error (a timeout) with its
    /// status and description, anything else (no answer) 503 with <paramref name="unavailable"/>; <paramref name="back"/>
    /// (trusted HTML) follows a refusal.
    /// </summary>
    public static IResult Failure(HttpContext http, object? reply, string unavailable, string? back = null) => reply switch
    {
        AdminFailure failure => Render(http, failure.Title, Html.Error(failure.Detail) + back, status: HttpOutcomes.Status(failure.Kind)),
        OAuthError error => Render(http, "Try again", Html.Error(error.Description), status: HttpOutcomes.Status(error.Kind)),
        _ => Render(http, "Try again", Html.Error(unavailable), status: StatusCodes.Status503ServiceUnavailable),
    };

    /// <summary>A listing's page size.</summary>
    public const int PageSize = 50;

    /// <summary>A search or paging value of the query string: trimmed, null when empty or longer than 200 characters.</summary>
    public static string? QueryText(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString().Trim() is { Length: > 0 and <= 200 } text ? text : null;

    /// <summary>The search form of a listing, and the line that says how many match.</summary>
    public static string Search(string path, string label, string? q, int matching, string noun) => $"""
        <form class="inline" method="get" action="{path}" role="search"><label for="q">{label}</label>
        <input id="q" name="q" value="{Html.Encode(q)}" size="30"><button type="submit">Search</button></form>
        <p>{matching:N0} {noun}{(matching == 1 ? string.Empty : "s")}{(q is null ? string.Empty : $" matching “{Html.Encode(q)}”")}.</p>
        """;

    /// <summary>The link to a listing's next page (none on the last).</summary>
    public static string NextPage(string path, string? q, string? nextAfter) => nextAfter is null
        ? string.Empty
        : $"""<p><a href="{path}?{(q is null ? string.Empty : "q=" + Uri.EscapeDataString(q) + "&")}after={Uri.EscapeDataString(nextAfter)}">Next page</a></p>""";

    /// <summary>A message after an action (shown once: the page it redirects to carries it in the query).</summary>
    public static string Notice(string? message) =>
        string.IsNullOrEmpty(message) ? string.Empty : $"""<p class="notice" role="status">{Html.Encode(message)}</p>""";
}

/// <summary>How the console's routes describe themselves in the OpenAPI document.</summary>
internal static class ConsoleRoutes
{
    /// <summary>A console page or action: its tag, the session cookie, and the answers every console route can give.</summary>
    public static RouteHandlerBuilder DescribedAsConsole(this RouteHandlerBuilder builder, string name, string summary, string description)
    {
        builder
            .WithName(name)
            .WithSummary(summary)
            .WithDescription(description)
            .WithTags(ApiTags.AdminConsole)
            // Anyone may call it; without a session it redirects to sign-in (pages) or refuses (actions).
            .Secured((string.Empty, []), (SecuritySchemes.SessionCookie, []))
            .RespondsHtml(StatusCodes.Status403Forbidden, "The session's user does not hold the admin role (or an action came without a session).");
        return builder;
    }

    /// <summary>A page: a signed-out browser is sent to sign-in and back.</summary>
    public static RouteHandlerBuilder ConsolePageRoute(this RouteHandlerBuilder builder, string name, string summary, string description) =>
        builder
            .DescribedAsConsole(name, summary, description)
            .RespondsHtml(StatusCodes.Status200OK, "The page.")
            .RespondsRedirect("No session: to the sign-in page, which comes back here.");

    /// <summary>A form's action: the CSRF-protected form it reads, and the answers of a refused form.</summary>
    public static RouteHandlerBuilder ConsoleActionRoute(this RouteHandlerBuilder builder, string name, string summary, string description, string form) =>
        builder
            .DescribedAsConsole(name, summary, description)
            .AcceptsForm(form, "The form, with the page's CSRF token.")
            .RespondsHtml(StatusCodes.Status400BadRequest, "The form is not valid: not a form, a repeated field, an expired or foreign CSRF token, or a value the operation refuses.");
}
