using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;

namespace OAuth2.Actors.Server.Pages;

/// <summary>
/// The server's few pages: plain HTML, no external assets, a style sheet allowed by nonce only, labels on every
/// field, and headers that forbid framing and caching.
/// </summary>
public static class Html
{
    public static string Encode(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);

    public static IResult Page(HttpContext http, string title, string body, int status = 200)
    {
        var nonce = Protect(http, nonce => $"default-src 'none'; style-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'");
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}}</title>
            <style nonce="{{nonce}}">
            body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
            h1{font-size:1.4rem}label{display:block;margin-top:1rem;font-weight:600}
            input[type=text],input[type=password],input[type=email]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box;border:1px solid #767676;border-radius:4px}
            button{margin-top:1.25rem;margin-right:.5rem;padding:.55rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}
            button.secondary{background:#fff;color:#0b57d0}
            .error{color:#b3261e;border:1px solid #b3261e;padding:.5rem;border-radius:4px}
            ul.scopes{padding-left:1.2rem}code{background:#f1f1f1;padding:0 .2rem;word-break:break-all}
            .redirect-host{font-size:1.2rem}
            </style>
            </head>
            <body>
            <main>
            <h1>{{Encode(title)}}</h1>
            {{body}}
            </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>
    /// The headers of every page: never cached, never framed, no sniffing, no referrer, and the page's
    /// Content-Security-Policy (<paramref name="policy"/>, given the page's new nonce). Returns the nonce.
    /// </summary>
    public static string Protect(HttpContext http, Func<string, string> policy)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = policy(nonce);
        return nonce;
    }

    public static string Csrf(IAntiforgery antiforgery, HttpContext http)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"""<input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken)}">""";
    }

    public static string Hidden(string name, string? value) =>
        $"""<input type="hidden" name="{Encode(name)}" value="{Encode(value)}">""";

    public static string Error(string? message) =>
        message is null ? string.Empty : $"""<p class="error" role="alert">{Encode(message)}</p>""";
}
