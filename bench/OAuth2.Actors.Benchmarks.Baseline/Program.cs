using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// The machine's ceiling for the token and introspection endpoints: Kestrel, a form-encoded POST, one ES256 JWT signed
// or verified exactly as TokenActor does (same claims, header, library and P-256 key), a JSON answer. Everything the
// OAuth2 server does beyond this (actors, client authentication, revocation, events) is its overhead.
//
//   BASELINE_PORT      loopback port (default 5099)
//   BASELINE_ISSUER    iss and aud of the tokens, the server's OAUTH2_ISSUER (default http://127.0.0.1:5099)
//   BASELINE_KEY_FILE  PKCS#8 P-256 private key PEM, the server's OAUTH2_SIGNING_KEY_FILE (default: a fresh key)
//   BASELINE_TELEMETRY on: OpenTelemetry as the server sets it up (ASP.NET Core request spans, sampled and exported as the
//                      OTEL_* variables say; ASP.NET Core's and Kestrel's meters, scraped at GET /metrics): what it costs
//                      with no OAuth2 around it (load.sh --modes telemetry-floor)
//
//   POST /sign    grant_type=client_credentials[&scope=...]  -> {"access_token":..., "token_type":"Bearer", ...}
//   POST /verify  token=...                                   -> RFC 7662 body, as the server's introspection answers
var port = int.Parse(Environment.GetEnvironmentVariable("BASELINE_PORT") ?? "5099", System.Globalization.CultureInfo.InvariantCulture);
var issuer = Environment.GetEnvironmentVariable("BASELINE_ISSUER") ?? $"http://127.0.0.1:{port}";
var keyFile = Environment.GetEnvironmentVariable("BASELINE_KEY_FILE");

var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
if (!string.IsNullOrEmpty(keyFile))
{
    ecdsa.ImportFromPem(File.ReadAllText(keyFile));
}

var publicKey = new ECDsaSecurityKey(ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = ecdsa.ExportParameters(false).Q }));
var kid = Base64UrlEncoder.Encode(publicKey.ComputeJwkThumbprint());
publicKey.KeyId = kid;
var credentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);
var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
var validation = new TokenValidationParameters
{
    ValidIssuer = issuer,
    ValidAudience = issuer,
    IssuerSigningKey = publicKey,
    ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
    ValidTypes = ["at+jwt"],
    ValidateLifetime = false,
    RequireExpirationTime = true,
    RequireSignedTokens = true,
};
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var telemetry = Environment.GetEnvironmentVariable("BASELINE_TELEMETRY") == "on";
if (telemetry)
{
    AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
    builder.Services.AddOpenTelemetry()
        .WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = h => !h.Request.Path.StartsWithSegments("/metrics")).AddOtlpExporter())
        .WithMetrics(m => m.AddMeter("System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing").AddPrometheusExporter());
}

builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.ListenLocalhost(port);
});
var app = builder.Build();

app.MapPost("/sign", async (HttpContext http) =>
{
    var form = await http.Request.ReadFormAsync(http.RequestAborted);
    if (form["grant_type"] != "client_credentials")
    {
        return Results.BadRequest();
    }

    var scope = form["scope"].Count == 1 ? form["scope"].ToString() : "read write";
    var now = DateTimeOffset.UtcNow;
    var token = handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = issuer,
        IssuedAt = now.UtcDateTime,
        NotBefore = now.UtcDateTime,
        Expires = now.AddHours(1).UtcDateTime,
        TokenType = "at+jwt",
        SigningCredentials = credentials,
        Claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = "baseline-client",
            ["client_id"] = "baseline-client",
            ["scope"] = scope,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        },
    });
    http.Response.Headers.CacheControl = "no-store";
    return Results.Json(new TokenBody(token, "Bearer", 3600, scope), json);
});

app.MapPost("/verify", async (HttpContext http) =>
{
    var form = await http.Request.ReadFormAsync(http.RequestAborted);
    var token = form["token"].ToString();
    var result = await handler.ValidateTokenAsync(token, validation);
    http.Response.Headers.CacheControl = "no-store";
    if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
        || !jwt.TryGetPayloadValue<string>("client_id", out var clientId)
        || !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Jti, out var jti)
        || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp)
        || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat)
        || exp <= DateTimeOffset.UtcNow.ToUnixTimeSeconds())
    {
        return Results.Json(new InactiveBody(false), json);
    }

    jwt.TryGetPayloadValue<string>("scope", out var scope);
    return Results.Json(new IntrospectionBody(true, scope ?? string.Empty, clientId, jwt.Subject, issuer, jwt.Issuer, exp, iat, "Bearer", jti), json);
});

app.MapGet("/health", () => "healthy");
if (telemetry)
{
    app.MapPrometheusScrapingEndpoint();
}

// An OTLP/HTTP receiver that keeps nothing (load.sh --modes telemetry points the server's exporters here): the
// exporters do their whole job, encoding and sending, and nothing downstream is measured. An empty protobuf message
// is a complete Export*ServiceResponse.
app.MapPost("/v1/{signal}", async (HttpContext http) =>
{
    await http.Request.Body.CopyToAsync(Stream.Null);
    return Results.Bytes([], "application/x-protobuf");
});
app.Run();

internal sealed record TokenBody(string AccessToken, string TokenType, long ExpiresIn, string Scope);

internal sealed record IntrospectionBody(bool Active, string Scope, string ClientId, string Sub, string Aud, string Iss, long Exp, long Iat, string TokenType, string Jti);

internal sealed record InactiveBody(bool Active);
