namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The one place where the actors' typed outcomes become HTTP: the status of each kind of failure and the
/// WWW-Authenticate challenge (RFC 7617, RFC 6750 3). The core knows neither.
/// </summary>
public static class HttpOutcomes
{
    public const string BasicRealm = "Basic realm=\"oauth2\", charset=\"UTF-8\"";

    public static int Status(FailureKind kind) => kind switch
    {
        FailureKind.BadRequest => StatusCodes.Status400BadRequest,
        FailureKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        FailureKind.Forbidden => StatusCodes.Status403Forbidden,
        FailureKind.NotFound => StatusCodes.Status404NotFound,
        FailureKind.Conflict => StatusCodes.Status409Conflict,
        FailureKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string Challenge(AuthChallenge challenge)
    {
        if (challenge.Scheme == ChallengeScheme.Basic)
        {
            return BasicRealm;
        }

        if (challenge.Error is null)
        {
            return "Bearer";
        }

        return challenge.Scope is null
            ? $"Bearer error=\"{challenge.Error}\""
            : $"Bearer error=\"{challenge.Error}\", scope=\"{challenge.Scope}\"";
    }

    /// <summary>Sets the challenge header, if any, and returns the failure's status.</summary>
    public static int Apply(OAuthError error, HttpResponse response)
    {
        if (error.Challenge is { } challenge)
        {
            response.Headers.WWWAuthenticate = Challenge(challenge);
        }

        return Status(error.Kind);
    }

    /// <summary>An OAuth error answered as ProblemDetails (the server's own non-OAuth endpoints).</summary>
    /// <summary>An admin API's answer to a reply that is not its resource: the failure as ProblemDetails.</summary>
    public static IResult AdminProblem(OAuthReply reply, HttpContext http) => reply switch
    {
        AdminFailure failure => Results.Problem(statusCode: Status(failure.Kind), title: failure.Title, detail: failure.Detail),
        OAuthError error => Problem(error, http.Response),
        _ => Problem(Unexpected(reply, http), http.Response),
    };

    public static IResult Problem(OAuthError error, HttpResponse response) =>
        Results.Problem(statusCode: Apply(error, response), title: error.Error, detail: error.Description);

    /// <summary>A reply the endpoint does not expect is a bug of the server: logged, counted, answered 500 server_error.</summary>
    public static OAuthError Unexpected(OAuthReply reply, HttpContext http)
    {
        http.RequestServices.GetRequiredService<ServerFailures>().Record();
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpOutcomes))
            .LogError("{Path} got a reply it does not handle: {ReplyType}", http.Request.Path.Value, reply.GetType().Name);
        return OAuthError.Failed;
    }
}
