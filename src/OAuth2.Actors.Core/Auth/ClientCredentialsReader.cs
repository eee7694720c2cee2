using System.Text;

namespace OAuth2.Actors.Auth;

/// <summary>How the client presented itself (RFC 6749 2.3.1).</summary>
public sealed record PresentedClient(string ClientId, string? Secret, string Method)
{
    public override string ToString() => $"PresentedClient {{ ClientId = {ClientId}, Method = {Method} }}";
}

/// <summary>Reads client credentials from the Authorization header (Basic) or the form body (post, or none for public clients).</summary>
public static class ClientCredentialsReader
{
    public static (PresentedClient? Client, OAuthError? Error) Read(string? authorization, OAuthParameters form)
    {
        var bodyId = form.Get(Parameters.ClientId);
        var bodySecret = form.Get(Parameters.ClientSecret);

        if (authorization is not null && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            if (bodySecret is not null)
            {
                return (null, OAuthError.InvalidRequest("Use one client authentication method: Basic or client_secret in the body, not both."));
            }

            if (!TryDecodeBasic(authorization["Basic ".Length..].Trim(), out var id, out var secret))
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

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerToken(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static bool TryDecodeBasic(string encoded, out string id, out string secret)
    {
        id = secret = string.Empty;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }

            // RFC 6749 2.3.1: both parts are form-urlencoded before being joined.
            id = FormDecode(decoded[..colon]);
            secret = FormDecode(decoded[(colon + 1)..]);
            return id.Length > 0 && secret.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
