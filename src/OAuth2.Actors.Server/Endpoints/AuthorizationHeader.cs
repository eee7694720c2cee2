using System.Text;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// Decodes the Authorization header for the actors: Basic client credentials (RFC 7617, each part form-urlencoded
/// per RFC 6749 2.3.1) or a Bearer token (RFC 6750 2.1). Schemes are case-insensitive; a repeated header counts as none.
/// </summary>
public static class AuthorizationHeader
{
    public static PresentedAuthorization Of(HttpContext http)
    {
        var values = http.Request.Headers.Authorization;
        return values.Count == 1 ? Parse(values[0]) : PresentedAuthorization.None;
    }

    public static PresentedAuthorization Parse(string? header)
    {
        if (header is null)
        {
            return PresentedAuthorization.None;
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return TryDecodeBasic(header["Basic ".Length..].Trim(), out var id, out var secret)
                ? PresentedAuthorization.Basic(id, secret)
                : PresentedAuthorization.UndecodableBasic;
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header["Bearer ".Length..].Trim() is { Length: > 0 } token)
        {
            return PresentedAuthorization.Bearer(token);
        }

        return PresentedAuthorization.None;
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
