using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Pages;

/// <summary>
/// The browser side: /oauth/authorize with its consent page, sign-in, sign-out and optional sign-up. Handlers
/// read the form, check the CSRF token, ask the AuthActor, and render or redirect; the rules live in the actor.
/// </summary>
public static class BrowserEndpoints
{
    public const string LoginPath = "/auth/login";
    private const string UserIdClaim = "sub";
    private const string UsernameClaim = "name";
    private const string SessionEpochClaim = "session_epoch";

    public static IEndpointRouteBuilder MapBrowserEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oauth/authorize", async (HttpContext http, IOAuthGateway gateway, IAntiforgery antiforgery) =>
        {
            var parameters = new OAuthParameters(http.Request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? string.Empty))).ToArray());
            var reply = await gateway.Send(new AuthorizeEndpointRequest(parameters, SessionUserOf(http), null, http.ToRequestContext()), http.RequestAborted);
            return AuthorizeResult(http, reply, parameters, antiforgery);
        })
            .WithName("authorize")
            .WithSummary("Authorization endpoint")
            .WithDescription("RFC 6749 4.1.1 with PKCE (RFC 7636, S256; required unless OAUTH2_REQUIRE_PKCE=false): sends a person without a session to sign in, asks for consent, then sends the browser back to the client's redirect_uri with a code (or an error), and iss (RFC 9207). Errors about the client or the redirect URI are shown, never redirected.")
            .WithQueryParameter("response_type", "code.", """{"type":"string","enum":["code"]}""", required: true)
            .WithQueryParameter("client_id", "The client.", required: true)
            .WithQueryParameter("redirect_uri", "One of the client's registered redirect URIs; may be left out when it has exactly one.", """{"type":"string","format":"uri"}""")
            .WithQueryParameter("scope", "Space-separated scopes; the client's when absent.")
            .WithQueryParameter("state", "Sent back unchanged with the answer.")
            .WithQueryParameter("code_challenge", "PKCE: base64url(SHA-256(code_verifier)).")
            .WithQueryParameter("code_challenge_method", "PKCE: S256.", """{"type":"string","enum":["S256"]}""")
            .WithQueryParameter("resource", "RFC 8707: the resource servers the tokens are for (repeatable).", """{"type":"array","items":{"type":"string","format":"uri"}}""")
            .DescribedAsAuthorization();

        app.MapPost("/oauth/authorize", async (HttpContext http, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader) =>
        {
            var (form, problem) = await ReadProtectedForm(http, antiforgery, reader);
            if (form is null)
            {
                return Html.Page(http, "Request refused", Html.Error(problem), 400);
            }

            var decision = form.Get("decision") switch
            {
                "allow" => ConsentDecision.Allow,
                "deny" => ConsentDecision.Deny,
                _ => ConsentDecision.Unrecognised,
            };
            var parameters = new OAuthParameters(form.Values.Where(kv => kv.Key is not "decision" && !kv.Key.StartsWith("__", StringComparison.Ordinal)).ToArray());
            var reply = await gateway.Send(new AuthorizeEndpointRequest(parameters, SessionUserOf(http), decision, http.ToRequestContext()), http.RequestAborted);
            return AuthorizeResult(http, reply, parameters, antiforgery);
        })
            .WithName("authorizeConsent")
            .WithSummary("Answer the consent page")
            .WithDescription("The consent page posts the authorization request back with the person's decision: allow sends the browser to the client with a code, deny with access_denied.")
            .AcceptsForm(Schemas.ConsentForm, "The authorization request's parameters, the decision and the CSRF token.")
            .RespondsHtml(StatusCodes.Status400BadRequest, "Request refused: not a form, too large, a repeated field, or an expired or foreign CSRF token.")
            .DescribedAsAuthorization();

        app.MapGet(LoginPath, (HttpContext http, IAntiforgery antiforgery, IOptions<OAuth2Options> options) =>
        {
            var returnUrl = LocalOrNull(http.Request.Query["returnUrl"].ToString());
            if (SessionUserOf(http) is { } user && returnUrl is null)
            {
                return SignedInPage(http, user, antiforgery);
            }

            return LoginPage(http, antiforgery, options.Value, returnUrl, null);
        })
            .WithName("signInPage")
            .WithSummary("Sign-in page")
            .WithDescription("The sign-in form; to a person already signed in (and no returnUrl), the page that says so, with a sign-out button.")
            .WithQueryParameter("returnUrl", "A local path to go to after sign-in (anything else is ignored).")
            .DescribedAsPage()
            .RespondsHtml(StatusCodes.Status200OK, "The page.");

        app.MapPost(LoginPath, async (HttpContext http, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader, IOptions<OAuth2Options> options) =>
        {
            var (form, problem) = await ReadProtectedForm(http, antiforgery, reader);
            if (form is null)
            {
                return Html.Page(http, "Request refused", Html.Error(problem), 400);
            }

            var returnUrl = LocalOrNull(form.Get("returnUrl"));
            var reply = await gateway.Send(new LoginRequest(form.Get("username") ?? string.Empty, form.Get("password") ?? string.Empty, http.ToRequestContext()), http.RequestAborted);
            if (reply is LoginSucceeded ok)
            {
                await SignIn(http, ok.User);
                return Results.Redirect(returnUrl ?? LoginPath);
            }

            return LoginPage(http, antiforgery, options.Value, returnUrl, (reply as LoginFailed)?.Message ?? "Sign-in is unavailable; try again.", 401);
        })
            .WithName("signIn")
            .WithSummary("Sign in")
            .WithDescription("Checks the username and password and starts the session (its cookie). Failed attempts slow down per account; the attempts of a source address are rate-limited (OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE).")
            .DescribedAsPage()
            .AcceptsForm(Schemas.SignInForm, "The credentials and the CSRF token.")
            .RespondsRedirect("Signed in: to returnUrl, or to the sign-in page (which then says who is signed in). Sets the session cookie.")
            .RespondsHtml(StatusCodes.Status400BadRequest, "Request refused: not a form, too large, a repeated field, or an expired or foreign CSRF token.")
            .RespondsHtml(StatusCodes.Status401Unauthorized, "The sign-in form again, with one message for every failure (unknown user, wrong password, locked out, or sign-in unavailable).")
            .RespondsHtml(StatusCodes.Status429TooManyRequests, "Too many sign-in attempts from this network.");

        app.MapGet("/auth/logout", (HttpContext http, IAntiforgery antiforgery) =>
            Html.Page(http, "Sign out", $"""
                <p>{(SessionUserOf(http) is { } u ? $"You are signed in as <strong>{Html.Encode(u.Username)}</strong>." : "You are not signed in.")}</p>
                <form method="post" action="/auth/logout">
                {Html.Csrf(antiforgery, http)}
                <button type="submit">Sign out</button>
                </form>
                """))
            .WithName("signOutPage")
            .WithSummary("Sign-out page")
            .WithDescription("Who is signed in, and a sign-out button (sign-out is a CSRF-protected POST).")
            .DescribedAsPage()
            .RespondsHtml(StatusCodes.Status200OK, "The page.");

        app.MapPost("/auth/logout", async (HttpContext http, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader) =>
        {
            var (form, problem) = await ReadProtectedForm(http, antiforgery, reader);
            if (form is null)
            {
                return Html.Page(http, "Request refused", Html.Error(problem), 400);
            }

            if (SessionUserOf(http) is { } user)
            {
                await gateway.Send(new LogoutRequest(user, http.ToRequestContext()), http.RequestAborted);
                await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            }

            return Html.Page(http, "Signed out", "<p>You are signed out.</p>");
        })
            .WithName("signOut")
            .WithSummary("Sign out")
            .WithDescription("Ends the session on every node (the user's other sessions too) and removes its cookie.")
            .DescribedAsPage()
            .AcceptsForm(Schemas.SignOutForm, "The CSRF token.")
            .RespondsHtml(StatusCodes.Status200OK, "Signed out (also when no one was signed in).")
            .RespondsHtml(StatusCodes.Status400BadRequest, "Request refused: not a form, too large, or an expired or foreign CSRF token.");

        app.MapGet("/auth/register", (HttpContext http, IAntiforgery antiforgery, IOptions<OAuth2Options> options) =>
            options.Value.UserSignup
                ? SignUpPage(http, antiforgery, LocalOrNull(http.Request.Query["returnUrl"].ToString()), null)
                : Results.Problem(statusCode: 404, title: "Sign-up is not enabled on this server."))
            .WithName("signUpPage")
            .WithSummary("Sign-up page")
            .WithDescription("The form to create an account, when sign-up is on (OAUTH2_USER_SIGNUP=true).")
            .WithQueryParameter("returnUrl", "A local path to go to after sign-up.")
            .DescribedAsPage()
            .RespondsHtml(StatusCodes.Status200OK, "The page.")
            .RespondsProblem(StatusCodes.Status404NotFound, "Sign-up is not enabled on this server.");

        app.MapPost("/auth/register", async (HttpContext http, IOAuthGateway gateway, IAntiforgery antiforgery, RequestReader reader, IOptions<OAuth2Options> options) =>
        {
            if (!options.Value.UserSignup)
            {
                return Results.Problem(statusCode: 404, title: "Sign-up is not enabled on this server.");
            }

            var (form, problem) = await ReadProtectedForm(http, antiforgery, reader);
            if (form is null)
            {
                return Html.Page(http, "Request refused", Html.Error(problem), 400);
            }

            var returnUrl = LocalOrNull(form.Get("returnUrl"));
            var reply = await gateway.Send(new SignUpRequest(form.Get("username") ?? string.Empty, form.Get("password") ?? string.Empty, form.Get("email"), http.ToRequestContext()), http.RequestAborted);
            if (reply is LoginSucceeded ok)
            {
                await SignIn(http, ok.User);
                return Results.Redirect(returnUrl ?? LoginPath);
            }

            return SignUpPage(http, antiforgery, returnUrl, (reply as LoginFailed)?.Message ?? "Sign-up is unavailable; try again.", 400);
        })
            .WithName("signUp")
            .WithSummary("Sign up")
            .WithDescription("Creates the account and signs it in, when sign-up is on (OAUTH2_USER_SIGNUP=true). Rate-limited per source address with sign-in.")
            .DescribedAsPage()
            .AcceptsForm(Schemas.SignUpForm, "The new account and the CSRF token.")
            .RespondsRedirect("Created and signed in: to returnUrl, or to the sign-in page. Sets the session cookie.")
            .RespondsHtml(StatusCodes.Status400BadRequest, "Request refused (not a form, a repeated field, an expired or foreign CSRF token), or the sign-up form again with why the account was refused (taken, bad username or password) or that sign-up is unavailable.")
            .RespondsProblem(StatusCodes.Status404NotFound, "Sign-up is not enabled on this server.")
            .RespondsHtml(StatusCodes.Status429TooManyRequests, "Too many attempts from this network.");

        return app;
    }

    /// <summary>A page of the server: public, with the session cookie when the browser has one.</summary>
    private static RouteHandlerBuilder DescribedAsPage(this RouteHandlerBuilder builder) =>
        builder
            .WithTags(ApiTags.Browser)
            .Secured((string.Empty, []), (SecuritySchemes.SessionCookie, []));

    /// <summary>What both authorization endpoints answer (the GET's request, or the consent page's answer).</summary>
    private static RouteHandlerBuilder DescribedAsAuthorization(this RouteHandlerBuilder builder) =>
        builder
            .DescribedAsPage()
            .RespondsHtml(StatusCodes.Status200OK, "The consent page: who asks, for which scopes, and where the answer goes.")
            .RespondsRedirect("To the client's redirect_uri with code, state and iss (or error, error_description, state and iss); or, without a session, to the sign-in page with the request as returnUrl.")
            .RespondsHtml(StatusCodes.Status400BadRequest, "Authorization request refused: an unknown client, a redirect URI it did not register (never redirected to), or a consent answer without a session.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "Try again: the server did not answer in time.")
            .RespondsHtml(StatusCodes.Status500InternalServerError, "Try again: the server failed (logged).");

    private static IResult AuthorizeResult(HttpContext http, OAuthReply reply, OAuthParameters parameters, IAntiforgery antiforgery)
    {
        switch (reply)
        {
            case AuthorizeRedirect redirect:
                http.Response.Headers.CacheControl = "no-store";
                return Results.Redirect(redirect.Location);
            case AuthorizeLoginRequired:
                http.Response.Headers.CacheControl = "no-store";
                var query = string.Join('&', parameters.Values.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
                return Results.Redirect($"{LoginPath}?returnUrl={Uri.EscapeDataString("/oauth/authorize?" + query)}");
            case AuthorizeConsentRequired consent:
                var hidden = string.Concat(parameters.Values.Select(kv => Html.Hidden(kv.Key, kv.Value)));
                var scopes = string.Concat(consent.Scopes.Select(s => $"<li><code>{Html.Encode(s)}</code></li>"));
                return Html.Page(http, "Allow access?", $"""
                    <p><strong>{Html.Encode(consent.ClientName)}</strong> asks to access your account with these permissions:</p>
                    <ul class="scopes">{scopes}</ul>
                    <p class="redirect">Your answer will be sent to <strong class="redirect-host">{Html.Encode(RedirectHost(consent.RedirectUri))}</strong>
                    (<code>{Html.Encode(consent.RedirectUri)}</code>). Allow only if you trust that site.</p>
                    <form method="post" action="/oauth/authorize">
                    {Html.Csrf(antiforgery, http)}
                    {hidden}
                    <button type="submit" name="decision" value="allow">Allow</button>
                    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
                    </form>
                    """);
            case AuthorizeErrorPage error:
                return Html.Page(http, "Authorization request refused", $"""
                    {Html.Error(error.Description)}
                    <p>Error code: <code>{Html.Encode(error.Error)}</code>. The application that sent you here is misconfigured; you can close this page.</p>
                    """, 400);
            case OAuthError unavailable:
                return Html.Page(http, "Try again", Html.Error(unavailable.Description), HttpOutcomes.Status(unavailable.Kind));
            default:
                return Html.Page(http, "Try again", Html.Error("Unexpected reply."), 500);
        }
    }

    /// <summary>What the person must recognise: the host (with its port when not the default), or the scheme of an app's own URI.</summary>
    public static string RedirectHost(string redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
            ? (uri.Host.Length > 0 ? (uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}") : uri.Scheme + ":")
            : redirectUri;

    private static IResult LoginPage(HttpContext http, IAntiforgery antiforgery, OAuth2Options options, string? returnUrl, string? error, int status = 200)
    {
        var signup = options.UserSignup
            ? $"""<p>No account? <a href="/auth/register{(returnUrl is null ? string.Empty : "?returnUrl=" + Uri.EscapeDataString(returnUrl))}">Create one</a>.</p>"""
            : string.Empty;
        return Html.Page(http, "Sign in", $"""
            {Html.Error(error)}
            <form method="post" action="{LoginPath}">
            {Html.Csrf(antiforgery, http)}
            {Html.Hidden("returnUrl", returnUrl)}
            <label for="username">Username</label>
            <input type="text" id="username" name="username" autocomplete="username" required autofocus>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            {signup}
            """, status);
    }

    private static IResult SignUpPage(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error, int status = 200) =>
        Html.Page(http, "Create an account", $"""
            {Html.Error(error)}
            <form method="post" action="/auth/register">
            {Html.Csrf(antiforgery, http)}
            {Html.Hidden("returnUrl", returnUrl)}
            <label for="username">Username</label>
            <input type="text" id="username" name="username" autocomplete="username" required>
            <label for="email">Email (optional)</label>
            <input type="email" id="email" name="email" autocomplete="email">
            <label for="password">Password (8 characters or more)</label>
            <input type="password" id="password" name="password" autocomplete="new-password" minlength="8" required>
            <button type="submit">Create account</button>
            </form>
            """, status);

    private static IResult SignedInPage(HttpContext http, SessionUser user, IAntiforgery antiforgery) =>
        Html.Page(http, "Signed in", $"""
            <p>You are signed in as <strong>{Html.Encode(user.Username)}</strong>.</p>
            <form method="post" action="/auth/logout">
            {Html.Csrf(antiforgery, http)}
            <button type="submit" class="secondary">Sign out</button>
            </form>
            """);

    /// <summary>A posted form whose CSRF token is valid (and with no field repeated but scope), or the problem to show.</summary>
    internal static async Task<(OAuthParameters? Form, string? Problem)> ReadProtectedForm(HttpContext http, IAntiforgery antiforgery, RequestReader reader)
    {
        // The antiforgery check reads the form again, so keep the (size-limited) body for a second read.
        http.Request.EnableBuffering();
        var (form, problem) = await reader.ReadForm(http.Request, http.RequestAborted);
        if (form is null)
        {
            return (null, problem);
        }

        http.Request.Body.Position = 0;

        if (form.FirstRepeated() is { } repeated && repeated is not "scope")
        {
            // Consent forms repeat nothing; a repeated field is tampering.
            return (null, $"Field '{repeated}' was sent more than once.");
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return (null, "The form has expired or did not come from this site. Go back, reload the page and try again.");
        }

        return (form, null);
    }

    private static async Task SignIn(HttpContext http, SessionUser user)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(UserIdClaim, user.UserId),
                new Claim(UsernameClaim, user.Username),
                new Claim(SessionEpochClaim, user.SessionEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme,
            UsernameClaim,
            null);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
    }

    private static SessionUser? SessionUserOf(HttpContext http) => SessionUserOf(http.User);

    /// <summary>The user a session cookie names; null for none, or for a cookie written before sessions had an epoch.</summary>
    public static SessionUser? SessionUserOf(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true
        && principal.FindFirst(UserIdClaim)?.Value is { } id
        && principal.FindFirst(UsernameClaim)?.Value is { } name
        && int.TryParse(principal.FindFirst(SessionEpochClaim)?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var epoch)
            ? new SessionUser(id, name, epoch)
            : null;

    /// <summary>Only local paths are followed after sign-in: no scheme, no host, no protocol-relative or backslash tricks.</summary>
    public static string? LocalOrNull(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains("://", StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url
            : null;
}
