using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// The access token as a JWT (RFC 9068): what it says, how it is signed, and how a presented one is checked. Pure
/// functions over the key, so the token actors run them on any thread.
/// </summary>
public static class AccessTokenJwt
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>RFC 9068 2.2: iss, aud, iat, nbf, exp, sub, client_id, scope, jti, and the grant (gid) that ties it to a refresh family or code.</summary>
    public static SecurityTokenDescriptor Describe(ServerSettings settings, SigningKeyMaterial key, IssueAccessToken request, string jti, DateTimeOffset now, DateTimeOffset expires)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = TokenTypes.AccessTokenJwtType,
            SigningCredentials = key.Credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = request.Subject,
                ["client_id"] = request.ClientId,
                ["scope"] = request.Scope,
                [JwtRegisteredClaimNames.Jti] = jti,
            },
        };
        if (request.GrantId is not null)
        {
            descriptor.Claims["gid"] = request.GrantId;
        }

        // RFC 8707 / RFC 9068 3: one audience as a string (as before), several as an array.
        if (request.Audiences is not { Count: > 0 } audiences)
        {
            descriptor.Audience = settings.Audience;
        }
        else if (audiences.Count == 1)
        {
            descriptor.Audience = audiences[0];
        }
        else
        {
            foreach (var audience in audiences)
            {
                descriptor.Audiences.Add(audience);
            }
        }

        return descriptor;
    }

    /// <summary>
    /// The <c>kid</c> of a compact JWT's header, read without parsing the rest (null when there is none or it does not
    /// read): which key to check it with. Nothing here is trusted; the signature check comes after.
    /// </summary>
    public static string? KeyIdOf(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot > 2048)
        {
            return null;
        }

        try
        {
            var header = Base64UrlEncoder.DecodeBytes(token[..dot]);
            var reader = new System.Text.Json.Utf8JsonReader(header);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                var isKid = reader.ValueTextEquals("kid"u8);
                reader.Read();
                if (isKid)
                {
                    return reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }

    /// <summary>Signs: the ES256 (or RS256) operation of the request.</summary>
    public static string Create(SecurityTokenDescriptor descriptor) => Handler.CreateToken(descriptor);

    /// <summary>
    /// Signature, issuer and type; null for anything that is not a token this server signed. Any audience this server
    /// put in it is accepted here: who may learn about the token, or use it, is decided by the caller (introspection,
    /// the server's own bearer endpoints). Touches no actor state, so it runs on any thread.
    /// </summary>
    public static ActiveToken? Verify(string token, TokenValidationParameters validation)
    {
        if (token.Length > 8192 || !Handler.CanReadToken(token))
        {
            return null;
        }

        // The key is in memory, so validation completes synchronously.
        var result = Handler.ValidateTokenAsync(token, validation).GetAwaiter().GetResult();
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        if (!jwt.TryGetPayloadValue<string>("client_id", out var clientId) ||
            !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Jti, out var jti) ||
            !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp) ||
            !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat))
        {
            return null;
        }

        jwt.TryGetPayloadValue<string>("scope", out var scope);
        jwt.TryGetPayloadValue<string>("gid", out var grantId);
        return new ActiveToken(
            jti,
            jwt.Issuer,
            jwt.Subject,
            clientId,
            scope ?? string.Empty,
            jwt.Audiences.ToArray(),
            DateTimeOffset.FromUnixTimeSeconds(iat),
            DateTimeOffset.FromUnixTimeSeconds(exp),
            grantId);
    }
}
