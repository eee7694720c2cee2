using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Auth.Shared;

/// <summary>RFC 6749 3.3: requested scopes must be a subset of the client's; none means the client's default.</summary>
public static class ScopePolicy
{
    public static bool TryGrant(ClientView client, string? requested, out string scope, out OAuthError? error)
    {
        scope = string.Empty;
        error = null;
        if (!ScopeSyntax.TryParse(requested, out var scopes))
        {
            error = new OAuthError(Errors.InvalidScope, "scope contains characters outside RFC 6749 3.3.");
            return false;
        }

        if (scopes.Length == 0)
        {
            scope = client.Scope;
            return true;
        }

        var extra = scopes.FirstOrDefault(s => !client.ScopeList.Contains(s, StringComparer.Ordinal));
        if (extra is not null)
        {
            error = new OAuthError(Errors.InvalidScope, $"scope '{extra}' is not allowed for this client.");
            return false;
        }

        scope = ScopeSyntax.Join(scopes);
        return true;
    }
}
