namespace OAuth2.Actors.Auth;

/// <summary>How the client presented itself (RFC 6749 2.3.1).</summary>
public sealed record PresentedClient(string ClientId, string? Secret, string Method)
{
    public override string ToString() => $"PresentedClient {{ ClientId = {ClientId}, Method = {Method} }}";
}

/// <summary>
/// RFC 6749 2.3.1: which client the request presents, from Basic credentials or the form body (post, or none for
/// public clients), and the rules about presenting them.
/// </summary>
public static class ClientCredentialsReader
{
    public static (PresentedClient? Client, OAuthError? Error) Read(PresentedAuthorization authorization, OAuthParameters form)
    {
        var bodyId = form.Get(Parameters.ClientId);
        var bodySecret = form.Get(Parameters.ClientSecret);

        if (authorization.Scheme == AuthorizationScheme.Basic)
        {
            if (bodySecret is not null)
            {
                return (null, OAuthError.InvalidRequest("Use one client authentication method: Basic or client_secret in the body, not both."));
            }

            if (authorization is not { Principal: { } id, Credential: { } secret })
            {
                return (null, OAuthError.InvalidClient(basicAttempted: true));
            }

            if (bodyId is not null && !string.Equals(bodyId, id, StringComparison.Ordinal))
            {
                return (null, OAuthError.InvalidRequest("client_id in the body does not match the Authorization header."));
            }

            return (new PresentedClient(id, secret, ClientAuthMethods.ClientSecretBasic), null);
        }

        if (bodyId is null)
        {
            return (null, OAuthError.InvalidClient(basicAttempted: false));
        }

        return bodySecret is null
            ? (new PresentedClient(bodyId, null, ClientAuthMethods.None), null)
            : (new PresentedClient(bodyId, bodySecret, ClientAuthMethods.ClientSecretPost), null);
    }
}
