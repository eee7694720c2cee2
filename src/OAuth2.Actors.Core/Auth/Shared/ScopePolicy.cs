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

    /// <summary>
    /// What a user may have of <paramref name="scope"/> (already allowed for the client) through a user grant: every
    /// scope that is not reserved, and a reserved scope only with a role of the same name (role <c>admin</c> for scope
    /// <c>admin</c>, role <c>events:read</c> for <c>events:read</c>). The rest is left out (RFC 6749 3.3: the
    /// response's <c>scope</c> says what was granted); when nothing is left, <c>invalid_scope</c>.
    /// </summary>
    public static bool ForUser(string scope, IReadOnlyCollection<string> roles, IReadOnlySet<string> reserved, out string granted, out OAuthError? error)
    {
        var requested = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var allowed = requested.Where(s => !reserved.Contains(s) || roles.Contains(s, StringComparer.Ordinal)).ToArray();
        granted = ScopeSyntax.Join(allowed);
        error = allowed.Length > 0 || requested.Length == 0
            ? null
            : new OAuthError(Errors.InvalidScope, "The user does not hold the role any of the requested scopes needs.");
        return error is null;
    }
}
