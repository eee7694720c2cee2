using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The one check of the server's own bearer-protected HTTP routes (the admin APIs, the event log, <c>/metrics</c>):
/// the AuthActor's bearer pipeline decides, and a refusal is ProblemDetails with RFC 6750's status and challenge.
/// </summary>
public static class BearerAccess
{
    /// <summary>The caller's active token when it carries one of <paramref name="scopes"/>; otherwise the answer (401/403 with its challenge).</summary>
    public static async Task<(ActiveToken? Token, IResult? Denied)> Require(HttpContext http, string[] scopes)
    {
        var gateway = http.RequestServices.GetRequiredService<IOAuthGateway>();
        var reply = await gateway.Send(new AuthorizeBearer(AuthorizationHeader.Of(http), scopes, http.ToRequestContext()), http.RequestAborted);
        return reply is BearerAuthorized authorized
            ? (authorized.Token, null)
            : (null, HttpOutcomes.Problem(reply as OAuthError ?? HttpOutcomes.Unexpected(reply, http), http.Response));
    }
}
