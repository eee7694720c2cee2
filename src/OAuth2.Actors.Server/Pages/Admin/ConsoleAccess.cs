namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// Who may use the console: a signed-in user (the session cookie, checked against the user's entity on every request)
/// who holds the <c>admin</c> role now (<see cref="BrowserSessions"/> puts the entity's current roles on the request).
/// </summary>
public static class ConsoleAccess
{
    public const string Role = Auth.Shared.ConsoleSessions.AdminRole;

    /// <summary>True when the request's session belongs to a user with the admin role.</summary>
    public static bool IsAdmin(HttpContext http) =>
        BrowserEndpoints.SessionUserOf(http.User) is not null && http.User.IsInRole(Role);

    /// <summary>
    /// Null when the caller may use the console; otherwise the answer: a page view without a session goes to sign-in
    /// and comes back; a user without the role, or an action without a session, gets 403.
    /// </summary>
    public static IResult? Deny(HttpContext http)
    {
        if (IsAdmin(http))
        {
            return null;
        }

        if (BrowserEndpoints.SessionUserOf(http.User) is null && HttpMethods.IsGet(http.Request.Method))
        {
            var back = http.Request.Path + http.Request.QueryString;
            return Results.Redirect($"{BrowserEndpoints.LoginPath}?returnUrl={Uri.EscapeDataString(back)}");
        }

        return Html.Page(http, "Forbidden", $"""
            {Html.Error("The admin console is for users with the admin role.")}
            <p><a href="/auth/logout">Sign out</a> and sign in as an administrator.</p>
            """, StatusCodes.Status403Forbidden);
    }
}
