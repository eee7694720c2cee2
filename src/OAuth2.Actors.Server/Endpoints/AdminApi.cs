namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// What the admin APIs backed by actors share (<c>/admin/api/sinks</c>, <c>/admin/api/webhooks</c>): the caller must
/// hold the <c>admin</c> scope, and an actor's refusal, silence or unexpected reply becomes ProblemDetails.
/// </summary>
public static class AdminApi
{
    private static readonly string[] AdminScope = [Scopes.Admin];

    /// <summary>Null when the bearer token carries the admin scope; otherwise the answer (401/403 with its challenge).</summary>
    public static async Task<IResult?> Authorize(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        return (await BearerAccess.Require(http, AdminScope)).Denied;
    }

    /// <summary>
    /// An actor's refusal as ProblemDetails (<see cref="AdminFailure"/>: its kind's status), 503 with
    /// <paramref name="silentTitle"/> when it did not answer in time (null), 500 for a reply the endpoint does not handle.
    /// </summary>
    public static IResult Failure(object? reply, HttpContext http, string silentTitle, string silentDetail) => reply switch
    {
        AdminFailure failure => HttpOutcomes.AdminProblem(failure, http),
        null => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: silentTitle, detail: silentDetail),
        OAuthReply unexpected => HttpOutcomes.AdminProblem(unexpected, http),
        var unexpected => UnexpectedReply(unexpected, http),
    };

    private static IResult UnexpectedReply(object reply, HttpContext http)
    {
        http.RequestServices.GetRequiredService<ServerFailures>().Record();
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminApi))
            .LogError("{Path} got a reply it does not handle: {ReplyType}", http.Request.Path.Value, reply.GetType().Name);
        return Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: OAuthError.Failed.Error, detail: OAuthError.Failed.Description);
    }
}
