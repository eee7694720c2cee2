using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Auth.Authorization;

/// <summary>A request to <c>/oauth/authorize</c> on its way through <see cref="AuthorizationEndpoint"/>.</summary>
public sealed class AuthorizationContext(AuthServices services, AuthorizeEndpointRequest request) : EndpointContext(services, request.Context)
{
    public OAuthParameters Parameters { get; } = request.Parameters;

    public SessionUser? User { get; } = request.User;

    /// <summary>The signed-in user's account as it is now (roles included), once <see cref="RequireSignedInUser"/> has read it.</summary>
    public Users.UserView? Account { get; set; }

    /// <summary>Null for the GET; the consent page's <c>allow</c>/<c>deny</c> when it posts back.</summary>
    public ConsentDecision? Decision { get; } = request.Decision;

    public string? RepeatedParameter { get; } = request.Parameters.FirstRepeated();

    public ClientView? Client { get; set; }

    /// <summary>Where the browser goes back to, once the client and its redirect URI are known.</summary>
    public string? RedirectUri { get; set; }

    /// <summary>Whether the request named the redirect URI (RFC 6749 4.1.3: then the token request must repeat it).</summary>
    public bool RedirectUriGiven { get; set; }

    public string? Scope { get; set; }

    /// <summary>The RFC 8707 resources the request named (empty: none), once <see cref="ValidateResources"/> has run.</summary>
    public IReadOnlyList<string> Resources { get; set; } = [];

    public string? CodeChallenge => Parameters.Get(Protocol.Parameters.CodeChallenge);

    public ClientView AuthorizedClient => Client ?? throw new InvalidOperationException("The client has not been identified by an earlier step.");

    /// <summary>
    /// Whether errors may be redirected to <see cref="RedirectUri"/>: not for a client anyone could have registered with
    /// any redirect URI, until the signed-in user has consented to it (RFC 9700 4.11.2, no open redirector).
    /// </summary>
    public bool RedirectUriTrusted { get; set; } = true;

    /// <summary>
    /// RFC 6749 4.1.2.1: once the redirect URI is known, errors go back to the client (with state and iss, RFC 9207);
    /// to an untrusted one they are shown instead.
    /// </summary>
    public void Fail(string error, string description)
    {
        if (RedirectUriTrusted)
        {
            Redirect(error, description);
        }
        else
        {
            ShowError(error, description);
        }
    }

    /// <summary>The error goes back to the client whatever the trust: the user chose it, on a page that named the client's host.</summary>
    public void Redirect(string error, string description) => Complete(new AuthorizeRedirect(Redirects.Build(RedirectUri!, new()
    {
        ["error"] = error,
        ["error_description"] = description,
        [Protocol.Parameters.State] = Parameters.Get(Protocol.Parameters.State),
        [Protocol.Parameters.Issuer] = Services.Settings.Issuer,
    })));

    /// <summary>Errors about the client or the redirect URI are shown, never redirected.</summary>
    public void ShowError(string error, string description) => Complete(new AuthorizeErrorPage(error, description));
}

/// <summary>Adds parameters to a redirect URI that may already have a query (RFC 6749 3.1.2).</summary>
public static class Redirects
{
    public static string Build(string redirectUri, Dictionary<string, string?> parameters)
    {
        var query = string.Join('&', parameters
            .Where(kv => kv.Value is not null)
            .Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value!)}"));
        return redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
    }
}
