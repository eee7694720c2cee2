using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.OpenApi;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>Discovery (RFC 8414, served under both well-known names) and the JWKS.</summary>
public static class MetadataEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";

    public static IEndpointRouteBuilder MapMetadataEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/oauth-authorization-server", (HttpContext http, ServerSettings settings, IOAuthGateway gateway) => Discovery(http, settings, gateway))
            .WithName("authorizationServerMetadata")
            .WithSummary("Authorization server metadata")
            .WithDescription("RFC 8414: the issuer, its endpoints and what it supports.")
            .DescribedAsDiscovery();
        app.MapGet("/.well-known/openid-configuration", (HttpContext http, ServerSettings settings, IOAuthGateway gateway) => Discovery(http, settings, gateway))
            .WithName("openidConfiguration")
            .WithSummary("Authorization server metadata (OpenID name)")
            .WithDescription("The same document as /.well-known/oauth-authorization-server, under the name OpenID Connect clients look for (this server is no OpenID provider: it issues no ID tokens).")
            .DescribedAsDiscovery();
        app.MapGet(JwksPath, async (HttpContext http, IOAuthGateway gateway, ServerSettings settings) =>
        {
            var keys = await gateway.Query<CurrentJsonWebKeys>(GetJsonWebKeys.Instance, TimeSpan.FromSeconds(5), http.RequestAborted);
            if (keys is null)
            {
                return Results.Problem(statusCode: 503, title: "Signing keys are not loaded yet.");
            }

            // A verifier that caches the document must see a new key before it signs: at most half the lead (OAUTH2_SIGNING_KEY_LEAD_SECONDS).
            http.Response.Headers.CacheControl = $"public, max-age={JwksMaxAge(settings)}";
            return Results.Json(new { keys = keys.Keys });
        })
            .WithName("jwks")
            .WithTags(ApiTags.Discovery)
            .WithSummary("JSON Web Key Set")
            .WithDescription("The public keys that verify access tokens (jwks_uri). Cacheable: max-age is at most half the signing key lead (OAUTH2_SIGNING_KEY_LEAD_SECONDS), so a verifier sees a new key before it signs.")
            .Public()
            .Responds(StatusCodes.Status200OK, "The keys.", Schemas.JsonWebKeySet)
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The signing keys are not loaded yet.");

        return app;
    }

    private static RouteHandlerBuilder DescribedAsDiscovery(this RouteHandlerBuilder builder) =>
        builder
            .WithTags(ApiTags.Discovery)
            .Public()
            .Responds(StatusCodes.Status200OK, "The metadata.", Schemas.AuthorizationServerMetadata)
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The signing keys are not loaded yet.");

    public static int JwksMaxAge(ServerSettings settings) => (int)Math.Clamp(settings.SigningKeyLead.TotalSeconds / 2, 0, 300);

    private static async Task<IResult> Discovery(HttpContext http, ServerSettings settings, IOAuthGateway gateway)
    {
        var issuer = settings.Issuer;
        var secretMethods = new[] { ClientAuthMethods.ClientSecretBasic, ClientAuthMethods.ClientSecretPost };

        // The algorithm of the key actually in use (a stored key outlives a changed OAUTH2_SIGNING_ALGORITHM).
        var status = await gateway.Query<TokenServiceStatus>(GetTokenServiceStatus.Instance, TimeSpan.FromSeconds(5), http.RequestAborted);
        if (status is not { Ready: true, Algorithm: { } algorithm })
        {
            return Results.Problem(statusCode: 503, title: "Signing keys are not loaded yet.");
        }
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = $"{issuer}/oauth/authorize",
            ["token_endpoint"] = $"{issuer}/oauth/token",
            ["introspection_endpoint"] = $"{issuer}/oauth/introspect",
            ["revocation_endpoint"] = $"{issuer}/oauth/revoke",
            ["registration_endpoint"] = $"{issuer}/clients/register",
            ["jwks_uri"] = $"{issuer}{JwksPath}",
            ["grant_types_supported"] = settings.SupportedGrantTypes.ToArray(),
            ["response_types_supported"] = new[] { ResponseTypes.Code },
            ["response_modes_supported"] = new[] { "query" },
            ["code_challenge_methods_supported"] = new[] { CodeChallengeMethods.S256 },
            ["authorization_response_iss_parameter_supported"] = true,
            ["token_endpoint_auth_methods_supported"] = secretMethods.Append(ClientAuthMethods.None).ToArray(),
            ["introspection_endpoint_auth_methods_supported"] = secretMethods,
            ["revocation_endpoint_auth_methods_supported"] = secretMethods.Append(ClientAuthMethods.None).ToArray(),
            ["token_endpoint_auth_signing_alg_values_supported"] = Array.Empty<string>(),
            ["access_token_signing_alg_values_supported"] = new[] { algorithm },
            // RFC 8707 resource indicators at the authorization and token endpoints (no IANA-registered member exists;
            // RFC 8414 2 allows others). Introspection answers only the token's audience, owner or an admin client.
            ["resource_indicators_supported"] = true,
        });
    }
}
