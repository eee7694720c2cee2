using System.Globalization;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Server.Endpoints;
using OAuth2.Actors.Server.Pages;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The answer over a limit: 429 with <c>Retry-After</c> (seconds), in the endpoint's own format: RFC 6749 error JSON
/// (<c>temporarily_unavailable</c>) on the OAuth endpoints, a page on the sign-in and sign-up forms, ProblemDetails
/// elsewhere (event ingestion).
/// </summary>
public static class RateLimitResponses
{
    public const string TooManyRequestsDescription = "Too many requests from this source; retry after the time in Retry-After.";

    public static Task Write(HttpContext http, RateLimitKind kind, TimeSpan retryAfter)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";

        IResult result = kind switch
        {
            RateLimitKind.SignIn when !http.Request.Path.StartsWithSegments("/oauth", StringComparison.OrdinalIgnoreCase) =>
                Html.Page(http, "Too many attempts", Html.Error("Too many sign-in attempts from your network. Wait a minute and try again."), StatusCodes.Status429TooManyRequests),
            RateLimitKind.Ingest =>
                Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many events", detail: "This client has sent its events of the minute; retry after the time in Retry-After."),
            _ => Results.Json(new { error = Errors.TemporarilyUnavailable, error_description = TooManyRequestsDescription }, RequestReader.Json, statusCode: StatusCodes.Status429TooManyRequests),
        };
        return result.ExecuteAsync(http);
    }
}
