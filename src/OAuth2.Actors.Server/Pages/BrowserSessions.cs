using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace OAuth2.Actors.Server.Pages;

/// <summary>
/// The session cookie's rules beyond the cookie handler's own idle timeout: a session ends at its absolute lifetime
/// however active it is (OAUTH2_SESSION_ABSOLUTE_LIFETIME_SECONDS), and every request asks the user's entity whether
/// it is still valid, so a sign-out (which moves the user's session epoch on) or a deleted account ends it on every
/// node, and a kept copy of the cookie no longer signs anyone in.
/// </summary>
public sealed class BrowserSessions(TimeSpan absoluteLifetime) : CookieAuthenticationEvents
{
    /// <summary>When the session was signed in (Unix seconds), kept in the ticket across sliding renewals.</summary>
    public const string StartedItem = ".oauth2.session_started";

    public override Task SigningIn(CookieSigningInContext context)
    {
        var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        context.Properties.Items[StartedItem] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return base.SigningIn(context);
    }

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        if (!context.Properties.Items.TryGetValue(StartedItem, out var started)
            || !long.TryParse(started, NumberStyles.None, CultureInfo.InvariantCulture, out var startedAt)
            || now >= DateTimeOffset.FromUnixTimeSeconds(startedAt) + absoluteLifetime)
        {
            await End(context);
            return;
        }

        if (context.Principal is not { } principal || BrowserEndpoints.SessionUserOf(principal) is not { } user)
        {
            await End(context);
            return;
        }

        var http = context.HttpContext;
        var reply = await http.RequestServices.GetRequiredService<IOAuthGateway>().Send(new SessionCheckRequest(user, http.ToRequestContext()), http.RequestAborted);
        switch (reply)
        {
            case SessionValid { Valid: true } valid:
                WithRoles(principal, valid.Roles);
                return;
            case SessionValid:
                await End(context);
                return;
            default:
                // Not known to be valid (the check timed out): not signed in for this request, but the cookie is kept.
                context.RejectPrincipal();
                return;
        }
    }

    /// <summary>
    /// The user's roles as the entity has them now, as role claims of this request's principal (the admin console reads
    /// them). Whatever roles a renewed cookie carried are replaced, so a role taken away ends access at the next request.
    /// </summary>
    private static void WithRoles(ClaimsPrincipal principal, IReadOnlyList<string> roles)
    {
        if (principal.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        foreach (var stale in identity.FindAll(identity.RoleClaimType).ToList())
        {
            identity.RemoveClaim(stale);
        }

        foreach (var role in roles)
        {
            identity.AddClaim(new Claim(identity.RoleClaimType, role));
        }
    }

    private static async Task End(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
