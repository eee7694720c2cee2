using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Resources;

/// <summary>What an access token is for: its audiences (null: the default audience) and the scope it carries.</summary>
public sealed record ResourceTarget(IReadOnlyList<string>? Audiences, string Scope);

/// <summary>
/// RFC 8707 resource indicators: which resources a client may name, and what a token for them carries.
/// <list type="bullet">
/// <item>A <c>resource</c> is an absolute URI without a fragment (RFC 8707 2), compared exactly.</item>
/// <item>It must be a registered resource server, or the server itself (the issuer or the default audience, which accept
/// every scope). A client may name a registered resource when it holds at least one of the scopes the resource accepts:
/// what a client may do is already decided by its scopes (registration allow-list, admin), so the audience follows from
/// the same decision rather than from a second list to keep in step (Duende IdentityServer's API resources work the same
/// way).</item>
/// <item>A token for resources carries only the granted scopes that one of them accepts, and every named resource must
/// accept at least one of them; otherwise <c>invalid_target</c>.</item>
/// <item>When the grant (an authorization request, a refresh token's family) named resources, a token request may only
/// narrow them; without one, it gets all of them.</item>
/// </list>
/// </summary>
public static class ResourceIndicators
{
    public const int MaxLength = 2048;

    /// <summary>Why <paramref name="value"/> is not a resource indicator (RFC 8707 2, RFC 3986 4.3), or null when it is.</summary>
    public static string? Problem(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "resource must not be empty.";
        }

        if (value.Length > MaxLength || value.Any(c => c is < '!' or > '~'))
        {
            return "resource must be an absolute URI of printable ASCII characters.";
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? value[..colon] : string.Empty;
        if (scheme.Length == 0 || !char.IsAsciiLetter(scheme[0]) || !scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.')
            || !Uri.TryCreate(value, UriKind.Absolute, out _))
        {
            return "resource must be an absolute URI.";
        }

        return value.Contains('#', StringComparison.Ordinal) ? "resource must not contain a fragment." : null;
    }

    /// <summary>The request's <c>resource</c> values (distinct, in order), or <c>invalid_target</c> for a malformed one.</summary>
    public static bool TryRead(OAuthParameters parameters, out IReadOnlyList<string> resources, out OAuthError? error)
    {
        resources = parameters.GetAll(Parameters.Resource);
        error = null;
        foreach (var resource in resources)
        {
            if (Problem(resource) is { } problem)
            {
                error = new OAuthError(Errors.InvalidTarget, problem);
                return false;
            }
        }

        if (resources.Count > 1)
        {
            resources = resources.Distinct(StringComparer.Ordinal).ToArray();
        }

        return true;
    }

    /// <summary>This node's copy of the resource servers; asked of the registry only until the node has its first copy.</summary>
    public static async ValueTask<ResourceSnapshot> Directory(AuthServices services)
    {
        if (services.Resources.Snapshot is { } snapshot)
        {
            return snapshot;
        }

        if (services.ResourceRegistry.IsNobody())
        {
            return services.Resources.Apply(new CurrentResourceServers([], 0));
        }

        return services.Resources.Apply(await services.AskIdempotent<CurrentResourceServers>(services.ResourceRegistry, GetResourceServers.Instance));
    }

    /// <summary>
    /// The token's target for <paramref name="requested"/> resources (empty: those of the grant, else the default
    /// audience with the scope unchanged), given the resources the grant named (<paramref name="granted"/>, null or
    /// empty: none) and the scope granted; or the <c>invalid_target</c> error.
    /// </summary>
    public static async ValueTask<(ResourceTarget? Target, OAuthError? Error)> Resolve(
        AuthServices services, ClientView client, IReadOnlyList<string> requested, IReadOnlyList<string>? granted, string scope)
    {
        // Resources the request did not name but inherits from the grant (a refresh, a code exchange without
        // `resource`): one that no longer fits (removed, no longer the client's, or accepting none of a narrowed
        // scope) is left out of the audience instead of failing the request, since a failure after a refresh token
        // rotated would cost the client its grant. Resources the request names must each fit.
        var inherited = requested.Count == 0;
        if (inherited)
        {
            if (granted is not { Count: > 0 })
            {
                return (new ResourceTarget(null, scope), null);
            }

            requested = granted;
        }
        else if (granted is { Count: > 0 } && requested.FirstOrDefault(r => !granted.Contains(r, StringComparer.Ordinal)) is { } outside)
        {
            return (null, new OAuthError(Errors.InvalidTarget, $"resource '{outside}' was not part of the authorization grant."));
        }

        var directory = await Directory(services);
        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var audiences = new List<string>(requested.Count);
        foreach (var resource in requested)
        {
            var server = directory.Find(resource);
            if (server is null)
            {
                if (services.Settings.IsOwnAudience(resource))
                {
                    kept.UnionWith(scopes);
                    audiences.Add(resource);
                }
                else if (!inherited)
                {
                    return (null, NotAllowed(resource));
                }

                continue;
            }

            var accepted = client.ScopeList.Any(server.Accepts) ? scopes.Where(server.Accepts).ToArray() : null;
            if (accepted is not { Length: > 0 })
            {
                if (inherited)
                {
                    continue;
                }

                return (null, accepted is null
                    ? NotAllowed(resource)
                    : new OAuthError(Errors.InvalidTarget, $"resource '{resource}' accepts none of the scopes granted ({scope})."));
            }

            kept.UnionWith(accepted);
            audiences.Add(resource);
        }

        if (audiences.Count == 0)
        {
            return (null, new OAuthError(Errors.InvalidTarget, $"none of the grant's resources accepts the scopes granted ({scope})."));
        }

        return (new ResourceTarget(audiences, ScopeSyntax.Join(scopes.Where(kept.Contains))), null);
    }

    // One answer for unknown and not allowed: a client learns nothing about resources it may not use.
    private static OAuthError NotAllowed(string resource) =>
        new(Errors.InvalidTarget, $"resource '{resource}' is not a resource this client may request.");
}
