using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.OpenApi;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>/admin/api/keys</c>: the signing keys (public facts only: id, algorithm, state and schedule, never key material)
/// and their rotation on demand. Admin scope; errors are ProblemDetails.
/// </summary>
public static class KeyEndpoints
{
    public const string Path = "/admin/api/keys";

    public static IEndpointRouteBuilder MapKeyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, ISigningKeyGateway keys, ServerSettings settings, TimeProvider time) =>
        {
            if (await AdminApi.Authorize(http) is { } denied)
            {
                return denied;
            }

            return await keys.List(http.RequestAborted) switch
            {
                CurrentSigningKeys current => Results.Json(new { keys = Listing(current.Keys, settings, time) }),
                var other => Failure(other),
            };
        })
            .WithName("listSigningKeys")
            .WithTags(ApiTags.SigningKeys)
            .WithSummary("List the signing keys")
            .WithDescription("Every key still published, in activation order: id, algorithm, state and schedule (never key material).")
            .AdminEndpoint()
            .Responds(StatusCodes.Status200OK, "The keys.", Schemas.SigningKeyList)
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The signing keys are unavailable or did not answer in time.");

        app.MapPost(Path + "/rotate", async (HttpContext http, ISigningKeyGateway keys, ServerSettings settings, TimeProvider time) =>
        {
            if (await AdminApi.Authorize(http) is { } denied)
            {
                return denied;
            }

            switch (await keys.Rotate(http.RequestAborted))
            {
                case SigningKeyRotated rotated:
                    var listing = Listing(rotated.Keys, settings, time);
                    return Results.Json(new { key = listing.Single(k => k.Kid == rotated.KeyId), keys = listing }, statusCode: StatusCodes.Status201Created);
                case SigningKeyRotationRefused refused:
                    return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "A rotation is already pending", detail: refused.Reason);
                case var other:
                    return Failure(other);
            }
        })
            .WithName("rotateSigningKey")
            .WithTags(ApiTags.SigningKeys)
            .WithSummary("Rotate the signing key")
            .WithDescription("Adds a new key, published now and signing once the lead has passed (OAUTH2_SIGNING_KEY_LEAD_SECONDS); the current key then retires and keeps verifying until its tokens have expired.")
            .AdminEndpoint()
            .Responds(StatusCodes.Status201Created, "The new key and every key now published.", Schemas.SigningKeyRotated)
            .RespondsProblem(StatusCodes.Status409Conflict, "A rotation is already pending (a next key is published and not signing yet).")
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The signing keys are unavailable or did not answer in time.");

        return app;
    }

    private static IResult Failure(object? reply) => reply is SigningKeysUnavailable unavailable
        ? Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Signing keys unavailable", detail: unavailable.Reason)
        : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The signing keys did not answer in time.");

    /// <summary>Public facts of each key still published, in activation order.</summary>
    internal static KeyView[] Listing(IReadOnlyList<SigningKeyEntry> keys, ServerSettings settings, TimeProvider time) =>
        SigningKeySchedule.At(SigningKeySchedule.Ordered(keys, k => k), time.GetUtcNow(), settings.AccessTokenTtl)
            .Where(k => k.State != SigningKeyState.Expired)
            .Select(k => new KeyView(k.Entry.KeyId, k.Entry.Algorithm, SigningKeySchedule.Name(k.State), k.Entry.Source, k.Entry.CreatedAt, k.Entry.ActivatesAt, k.RetiresAt, k.ExpiresAt))
            .ToArray();

    internal sealed record KeyView(
        [property: System.Text.Json.Serialization.JsonPropertyName("kid")] string Kid,
        [property: System.Text.Json.Serialization.JsonPropertyName("alg")] string Alg,
        [property: System.Text.Json.Serialization.JsonPropertyName("state")] string State,
        [property: System.Text.Json.Serialization.JsonPropertyName("source")] string Source,
        [property: System.Text.Json.Serialization.JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("activates_at")] DateTimeOffset ActivatesAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("retires_at")] DateTimeOffset? RetiresAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);
}
