namespace OAuth2.Actors.Server.Endpoints;

/// <summary>Maps actor replies to HTTP responses (RFC 6749 5.1/5.2, RFC 7662 2.2, RFC 7009 2.2, RFC 7591 3.2).</summary>
public static class OAuthResults
{
    public static IResult From(OAuthReply reply, HttpResponse response)
    {
        NoStore(response);
        switch (reply)
        {
            case OAuthError error:
                return Results.Json(new ErrorBody(error.Error, Safe(error.Description)), RequestReader.Json, statusCode: HttpOutcomes.Apply(error, response));
            case TokenIssued t:
                return Results.Json(new TokenBody(t.AccessToken, t.TokenType, t.ExpiresIn, t.Scope, t.RefreshToken), RequestReader.Json);
            case IntrospectionResult { Active: true, Token: { TokenType: TokenTypes.RefreshToken } token }:
                // RFC 7662 2.2 token_type names an access token type: a refresh token has none, nor a jti.
                return Results.Json(new IntrospectionBody(
                    true, token.Scope, token.ClientId, token.Subject, Audience(token), token.Issuer,
                    token.ExpiresAt.ToUnixTimeSeconds(), token.IssuedAt.ToUnixTimeSeconds(), null, null), RequestReader.Json);
            case IntrospectionResult { Active: true, Token: { } token }:
                return Results.Json(new IntrospectionBody(
                    true, token.Scope, token.ClientId, token.Subject, Audience(token), token.Issuer,
                    token.ExpiresAt.ToUnixTimeSeconds(), token.IssuedAt.ToUnixTimeSeconds(), TokenTypes.Bearer, token.Jti), RequestReader.Json);
            case IntrospectionResult:
                return Results.Json(new InactiveBody(false), RequestReader.Json);
            case RevocationAccepted:
                return Results.Ok();
            case ClientRegistrationSucceeded r:
                return Results.Json(r.Response, RequestReader.Json, statusCode: StatusCodes.Status201Created);
            default:
                return From(HttpOutcomes.Unexpected(reply, response.HttpContext), response);
        }
    }

    public static IResult BadRequest(string error, string description, HttpResponse response)
    {
        NoStore(response);
        return Results.Json(new ErrorBody(error, Safe(description)), RequestReader.Json, statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// RFC 6749 5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. Descriptions quote the client's
    /// input, so anything outside that set (quotes, backslashes, control or non-ASCII characters) becomes '?'.
    /// </summary>
    public static string Safe(string description) => new(description.Take(300).Select(c =>
        c is '\x20' or '\x21' or (>= '\x23' and <= '\x5B') or (>= '\x5D' and <= '\x7E') ? c : '?').ToArray());

    /// <summary>RFC 7662 2.2 / RFC 7519 4.1.3: one audience as a string, several as an array, none omitted.</summary>
    private static object? Audience(ActiveToken token) => token.Audiences.Count switch
    {
        0 => null,
        1 => token.Audiences[0],
        _ => token.Audiences,
    };

    private static void NoStore(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }

    private sealed record ErrorBody(string Error, string ErrorDescription);

    private sealed record TokenBody(string AccessToken, string TokenType, long ExpiresIn, string? Scope, string? RefreshToken);

    private sealed record IntrospectionBody(bool Active, string Scope, string ClientId, string Sub, object? Aud, string Iss, long Exp, long Iat, string? TokenType, string? Jti);

    private sealed record InactiveBody(bool Active);
}
