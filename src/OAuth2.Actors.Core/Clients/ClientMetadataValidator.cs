namespace OAuth2.Actors.Clients;

/// <summary>Client metadata after validation and defaulting (RFC 7591 2).</summary>
public sealed record ValidatedClientMetadata(
    string? ClientName,
    string[] RedirectUris,
    string[] GrantTypes,
    string[] ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope);

/// <summary>
/// RFC 7591 metadata validation as a short ordered list of named steps, each able to reject with
/// <c>invalid_redirect_uri</c> or <c>invalid_client_metadata</c>.
/// </summary>
public static class ClientMetadataValidator
{
    /// <summary>Scopes that grant power over the server itself: only an authorised registration may ask for them.</summary>
    public static readonly IReadOnlySet<string> ReservedScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        Scopes.Admin, Scopes.EventsRead, Scopes.EventsIngest, Scopes.MetricsRead,
    };

    private const int MaxClientNameLength = 200;
    private const int MaxRedirectUris = 20;

    /// <param name="privileged">Authorised by the initial access token or an admin token: any scope.</param>
    /// <param name="allowedScopes">
    /// Otherwise, the scopes the registrant may ask for (open registration's allow-list, or what a client may keep and
    /// add through its own registration token); null: any scope that is not reserved.
    /// </param>
    public static (ValidatedClientMetadata? Metadata, OAuthError? Error) Validate(
        ClientMetadata metadata, string defaultScope, bool privileged, IReadOnlySet<string>? supportedGrants = null, IReadOnlySet<string>? allowedScopes = null)
    {
        supportedGrants ??= GrantTypes.Supported;
        // Step 1: auth method.
        var method = metadata.TokenEndpointAuthMethod ?? ClientAuthMethods.ClientSecretBasic;
        if (!ClientAuthMethods.Supported.Contains(method))
        {
            return Fail($"token_endpoint_auth_method '{method}' is not supported; use one of {string.Join(", ", ClientAuthMethods.Supported)}.");
        }

        // Step 2: redirect URIs (RFC 6749 3.1.2, RFC 8252 7).
        var redirectUris = (metadata.RedirectUris ?? []).ToArray();
        if (redirectUris.Length > MaxRedirectUris)
        {
            return (null, new OAuthError(Errors.InvalidRedirectUri, $"At most {MaxRedirectUris} redirect_uris may be registered."));
        }

        foreach (var uri in redirectUris)
        {
            var problem = RedirectUriProblem(uri);
            if (problem is not null)
            {
                return (null, new OAuthError(Errors.InvalidRedirectUri, problem));
            }
        }

        redirectUris = redirectUris.Distinct(StringComparer.Ordinal).ToArray();

        // Step 3: grant types, defaulted per RFC 7591 2 (authorization_code), unless the client has no redirect URI.
        var grantTypes = (metadata.GrantTypes is { Count: > 0 } g ? g.ToArray()
            : redirectUris.Length > 0 ? [GrantTypes.AuthorizationCode] : [GrantTypes.ClientCredentials])
            .Distinct(StringComparer.Ordinal).ToArray();
        foreach (var grant in grantTypes)
        {
            if (!supportedGrants.Contains(grant))
            {
                return Fail($"grant_type '{grant}' is not supported by this server; supported: {string.Join(", ", supportedGrants)}.");
            }
        }

        if (grantTypes.Contains(GrantTypes.RefreshToken) && !grantTypes.Any(g => g is GrantTypes.AuthorizationCode or GrantTypes.Password))
        {
            return Fail("grant_type 'refresh_token' needs a grant that issues refresh tokens (authorization_code or password).");
        }

        // Step 4: response types must agree with grant types (RFC 7591 2.1).
        var usesCode = grantTypes.Contains(GrantTypes.AuthorizationCode);
        var responseTypes = (metadata.ResponseTypes is { Count: > 0 } r ? r.ToArray() : usesCode ? [ResponseTypes.Code] : [])
            .Distinct(StringComparer.Ordinal).ToArray();
        foreach (var responseType in responseTypes)
        {
            if (responseType != ResponseTypes.Code)
            {
                return Fail($"response_type '{responseType}' is not supported; only 'code'.");
            }
        }

        if (usesCode != responseTypes.Contains(ResponseTypes.Code))
        {
            return Fail("response_types 'code' and grant_types 'authorization_code' must be registered together.");
        }

        if (usesCode && redirectUris.Length == 0)
        {
            return (null, new OAuthError(Errors.InvalidRedirectUri, "The authorization_code grant requires at least one redirect_uri."));
        }

        if (method == ClientAuthMethods.None && grantTypes.FirstOrDefault(g => g is GrantTypes.ClientCredentials or GrantTypes.Password) is { } confidentialOnly)
        {
            // RFC 9700 2.4: the password grant must not be used at all; a public client, which cannot keep a secret, never gets it.
            return Fail($"A public client (token_endpoint_auth_method 'none') cannot use the {confidentialOnly} grant.");
        }

        // Step 5: scope syntax and reserved scopes.
        if (!ScopeSyntax.TryParse(metadata.Scope, out var scopes))
        {
            return Fail("scope contains characters outside RFC 6749 3.3.");
        }

        if (scopes.Length == 0 && !ScopeSyntax.TryParse(defaultScope, out scopes))
        {
            return Fail("The server's default scope is malformed.");
        }

        var reserved = scopes.FirstOrDefault(ReservedScopes.Contains);
        if (reserved is not null && !privileged && allowedScopes?.Contains(reserved) != true)
        {
            return Fail($"scope '{reserved}' may only be registered with an initial access token or an admin access token.");
        }

        if (!privileged && allowedScopes is not null && scopes.FirstOrDefault(s => !allowedScopes.Contains(s)) is { } refused)
        {
            return Fail($"scope '{refused}' may only be registered with an initial access token or an admin access token; "
                + $"without one a client may ask for: {string.Join(' ', allowedScopes.Order(StringComparer.Ordinal))}.");
        }

        // Step 6: client name.
        var name = metadata.ClientName?.Trim();
        if (name is { Length: > MaxClientNameLength })
        {
            return Fail($"client_name is longer than {MaxClientNameLength} characters.");
        }

        return (new ValidatedClientMetadata(string.IsNullOrEmpty(name) ? null : name, redirectUris, grantTypes, responseTypes, method, ScopeSyntax.Join(scopes)), null);

        static (ValidatedClientMetadata?, OAuthError?) Fail(string description) =>
            (null, new OAuthError(Errors.InvalidClientMetadata, description));
    }

    /// <summary>Null when the URI is acceptable as a redirect URI; otherwise why not.</summary>
    public static string? RedirectUriProblem(string? value)
    {
        // On Unix "/path" parses as an absolute file: URI; a redirect URI must name its scheme.
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.IsFile || !value.Contains(':', StringComparison.Ordinal))
        {
            return $"redirect_uri '{value}' is not an absolute URI.";
        }

        if (value.Contains('#', StringComparison.Ordinal))
        {
            return $"redirect_uri '{value}' must not contain a fragment.";
        }

        switch (uri.Scheme)
        {
            case "https":
                return null;
            case "http":
                return uri.IsLoopback ? null : $"redirect_uri '{value}' uses http on a non-loopback host; use https.";
            default:
                // RFC 8252 7.1: private-use schemes are reverse domain names, so they contain a dot.
                return uri.Scheme.Contains('.', StringComparison.Ordinal)
                    ? null
                    : $"redirect_uri '{value}' uses scheme '{uri.Scheme}'; native apps must use a reverse-domain private-use scheme (RFC 8252 7.1).";
        }
    }
}
