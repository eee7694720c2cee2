namespace OAuth2.Actors.Server.OpenApi;

/// <summary>The media types the API answers and accepts.</summary>
public static class MediaTypes
{
    public const string Json = "application/json";
    public const string Problem = "application/problem+json";
    public const string Form = "application/x-www-form-urlencoded";
    public const string Html = "text/html";
    public const string Text = "text/plain";
    public const string JsonSchema = "application/schema+json";
    public const string OpenMetrics = "application/openmetrics-text";
    public const string EventStream = "text/event-stream";
}

/// <summary>The tags that group the operations (described in <see cref="DocumentDescriber.Tags"/>).</summary>
public static class ApiTags
{
    public const string OAuth = "OAuth";
    public const string Discovery = "Discovery";
    public const string Clients = "Clients";
    public const string Events = "Events";
    public const string Sinks = "Sinks";
    public const string Webhooks = "Webhooks";
    public const string Users = "Users";
    public const string ClientAdministration = "Client administration";
    public const string ResourceServers = "Resource servers";
    public const string SigningKeys = "Signing keys";
    public const string Health = "Health";
    public const string Browser = "Browser";
    public const string Metrics = "Metrics";
    public const string AdminConsole = "Admin console";
}

/// <summary>The response headers the document describes (components.headers).</summary>
public static class ResponseHeaders
{
    public const string WwwAuthenticate = "WWW-Authenticate";
    public const string Location = "Location";
    public const string RetryAfter = "Retry-After";
}

/// <summary>The security schemes of the document (components.securitySchemes).</summary>
public static class SecuritySchemes
{
    /// <summary>Client authentication with HTTP Basic (<c>client_secret_basic</c>, RFC 6749 2.3.1).</summary>
    public const string ClientSecretBasic = "clientSecretBasic";

    /// <summary>An access token of this server (RFC 6750), with the scopes an endpoint asks for.</summary>
    public const string OAuth2 = "oauth2";

    /// <summary>The registration endpoint's initial access token (RFC 7591 3.1, <c>OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN</c>).</summary>
    public const string InitialAccessToken = "initialAccessToken";

    /// <summary>A client's registration access token (RFC 7592 2).</summary>
    public const string RegistrationAccessToken = "registrationAccessToken";

    /// <summary>The browser session cookie that sign-in sets.</summary>
    public const string SessionCookie = "sessionCookie";
}

/// <summary>One response an endpoint gives: its status, when, and its body (a component schema) and headers.</summary>
public sealed record DocumentedResponse(int Status, string Description, string? Schema, string? ContentType, IReadOnlyList<string> Headers);

/// <summary>The request body an endpoint reads (a component schema).</summary>
public sealed record DocumentedRequestBody(string Schema, string ContentType, string Description);

/// <summary>A parameter an endpoint reads (<paramref name="In"/>: query, path or header); <paramref name="Schema"/> is JSON Schema text.</summary>
public sealed record DocumentedParameter(string Name, string In, string Description, string Schema, bool Required);

/// <summary>
/// The credentials an endpoint accepts, any one of <paramref name="AnyOf"/>: a scheme with the scopes it needs (all of
/// them), or an empty scheme name for "none" (the endpoint also answers anonymous callers).
/// </summary>
public sealed record DocumentedSecurity(IReadOnlyList<(string Scheme, string[] Scopes)> AnyOf);

/// <summary>
/// What each endpoint states about itself for the OpenAPI document. The handlers take <see cref="HttpContext"/> and
/// read forms and JSON themselves, so nothing can be inferred: these say what the handler really reads and answers.
/// </summary>
public static class OpenApiAnnotations
{
    private const string StringSchema = """{"type":"string"}""";

    public static TBuilder Responds<TBuilder>(this TBuilder builder, int status, string description, string? schema = null, string contentType = MediaTypes.Json, params string[] headers)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedResponse(status, description, schema, schema is null ? null : contentType, headers));

    /// <summary>A response without a body (204, a redirect, an empty 200).</summary>
    public static TBuilder RespondsEmpty<TBuilder>(this TBuilder builder, int status, string description, params string[] headers)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedResponse(status, description, null, null, headers));

    /// <summary>RFC 6749 5.2 error JSON; a 401 carries its challenge, a 429 its Retry-After.</summary>
    public static TBuilder RespondsOAuthError<TBuilder>(this TBuilder builder, int status, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Responds(status, description, Schemas.OAuthError, MediaTypes.Json, HeadersOf(status));

    /// <summary>ProblemDetails (RFC 9457); a 401 or 403 carries its Bearer challenge, a 429 its Retry-After.</summary>
    public static TBuilder RespondsProblem<TBuilder>(this TBuilder builder, int status, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Responds(status, description, Schemas.ProblemDetails, MediaTypes.Problem, HeadersOf(status));

    /// <summary>An HTML page of the server.</summary>
    public static TBuilder RespondsHtml<TBuilder>(this TBuilder builder, int status, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Responds(status, description, Schemas.HtmlPage, MediaTypes.Html, status == StatusCodes.Status429TooManyRequests ? [ResponseHeaders.RetryAfter] : []);

    public static TBuilder RespondsRedirect<TBuilder>(this TBuilder builder, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RespondsEmpty(StatusCodes.Status302Found, description, ResponseHeaders.Location);

    public static TBuilder AcceptsForm<TBuilder>(this TBuilder builder, string schema, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedRequestBody(schema, MediaTypes.Form, description));

    public static TBuilder AcceptsJson<TBuilder>(this TBuilder builder, string schema, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedRequestBody(schema, MediaTypes.Json, description));

    public static TBuilder WithQueryParameter<TBuilder>(this TBuilder builder, string name, string description, string schema = StringSchema, bool required = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedParameter(name, "query", description, schema, required));

    public static TBuilder WithHeaderParameter<TBuilder>(this TBuilder builder, string name, string description, string schema = StringSchema)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedParameter(name, "header", description, schema, false));

    /// <summary>The description of a route parameter (the route template declares it).</summary>
    public static TBuilder WithPathParameter<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedParameter(name, "path", description, StringSchema, true));

    /// <summary>No credentials: anyone may call it.</summary>
    public static TBuilder Public<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedSecurity([]));

    /// <summary>Any one of the alternatives; <c>("", [])</c> for "no credentials".</summary>
    public static TBuilder Secured<TBuilder>(this TBuilder builder, params (string Scheme, string[] Scopes)[] anyOf)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedSecurity(anyOf));

    /// <summary>A bearer access token with any one of <paramref name="scopes"/>.</summary>
    public static TBuilder RequiresAnyScope<TBuilder>(this TBuilder builder, params string[] scopes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Secured(scopes.Select(s => (SecuritySchemes.OAuth2, new[] { s })).ToArray());

    /// <summary>
    /// The OAuth endpoints' client authentication: HTTP Basic, or (no Authorization header) the form's
    /// <c>client_id</c> and <c>client_secret</c>, or a public client's <c>client_id</c> alone where the endpoint allows it.
    /// </summary>
    public static TBuilder RequiresClientAuthentication<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Secured((SecuritySchemes.ClientSecretBasic, []), (string.Empty, []));

    /// <summary>
    /// What every endpoint that asks the actors can also answer, as ProblemDetails: 503 when they did not answer in
    /// time, 500 for a failure of the server itself (logged; never for bad input).
    /// </summary>
    public static TBuilder RespondsProblemWhenUnavailable<TBuilder>(this TBuilder builder, string unavailable = "The server did not answer in time (temporarily_unavailable); retry.")
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, unavailable)
            .RespondsProblem(StatusCodes.Status500InternalServerError, "The server failed (server_error); the cause is logged, never sent.");

    /// <summary>The same for the OAuth endpoints, as RFC 6749 error JSON.</summary>
    public static TBuilder RespondsOAuthErrorWhenUnavailable<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .RespondsOAuthError(StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable: the server did not answer in time; retry.")
            .RespondsOAuthError(StatusCodes.Status500InternalServerError, "server_error: the server failed; the cause is logged, never sent.");

    /// <summary>
    /// An admin API endpoint: a bearer token with the <c>admin</c> scope (401 without an active token, 403 without the
    /// scope, both ProblemDetails with the Bearer challenge), and the actors' 503 and 500.
    /// </summary>
    public static TBuilder AdminEndpoint<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.BearerEndpoint(Scopes.Admin);

    /// <summary>An endpoint that takes a bearer token with any one of <paramref name="scopes"/> (see <see cref="AdminEndpoint{TBuilder}"/>).</summary>
    public static TBuilder BearerEndpoint<TBuilder>(this TBuilder builder, params string[] scopes)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .RequiresAnyScope(scopes)
            .RespondsProblem(StatusCodes.Status401Unauthorized, "No access token, or one that is not active or not meant for this server (invalid_token).")
            .RespondsProblem(StatusCodes.Status403Forbidden, $"The access token lacks the scope ({string.Join(" or ", scopes)}): insufficient_scope.")
            .RespondsProblemWhenUnavailable();

    private static string[] HeadersOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => [ResponseHeaders.WwwAuthenticate],
        StatusCodes.Status429TooManyRequests => [ResponseHeaders.RetryAfter],
        _ => [],
    };
}
