using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Server.OpenApi;

/// <summary>
/// The document around the operations: its info and server (the issuer), the tags, the schemas and response headers
/// the operations refer to, the security schemes, and <c>/metrics</c>, which OpenTelemetry's exporter serves as a
/// branch of the pipeline that the generator cannot see.
/// </summary>
public sealed class DocumentDescriber : IOpenApiDocumentTransformer
{
    public const string Title = "OAuth2.Actors";

    /// <summary>The tags, in the order the reference page shows them.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Tags =
    [
        (ApiTags.OAuth, "The OAuth 2.0 endpoints: token (RFC 6749), introspection (RFC 7662), revocation (RFC 7009). Errors are RFC 6749 error JSON."),
        (ApiTags.Discovery, "Authorization server metadata (RFC 8414) and the signing keys (JWKS)."),
        (ApiTags.Clients, "Dynamic client registration (RFC 7591) and client configuration (RFC 7592). Errors are RFC 6749 error JSON."),
        (ApiTags.Events, "The durable event log: history, single events, ingestion by external producers, the envelope's schema and the pipeline's health."),
        (ApiTags.Sinks, "The durable sinks: each one's cursor, lag and state; pause, resume and replay. admin scope."),
        (ApiTags.Webhooks, "Signed webhook endpoints managed at runtime, their attempts and redelivery. admin scope."),
        (ApiTags.Users, "User accounts and their roles. admin scope."),
        (ApiTags.ClientAdministration, "Every client, for an administrator: list, read, disable, enable and delete. admin scope; ProblemDetails errors."),
        (ApiTags.ResourceServers, "Resource servers (RFC 8707 audiences). admin scope."),
        (ApiTags.SigningKeys, "The token signing keys and their rotation. admin scope."),
        (ApiTags.Health, "Liveness and readiness."),
        (ApiTags.Browser, "The pages a person uses: authorization with consent, sign-in, sign-out, sign-up. HTML with CSRF-protected forms."),
        (ApiTags.Metrics, "Prometheus metrics."),
        (ApiTags.AdminConsole, "The admin console's pages, for a signed-in user with the admin role (the session cookie, not an access token): HTML with CSRF-protected forms over the same operations as the admin APIs."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var services = context.ApplicationServices;
        var settings = services.GetRequiredService<ServerSettings>();
        var options = services.GetRequiredService<IOptions<OAuth2Options>>().Value;

        document.Info = new OpenApiInfo
        {
            Title = Title,
            Version = Version(),
            Description = """
                An OAuth 2.0 authorization server built as an Akka.NET actor system, whose security-relevant operations become
                typed events delivered to durable sinks.

                Errors: the OAuth endpoints (token, introspection, revocation, registration, client configuration) answer RFC 6749
                error JSON (`error`, `error_description`); every other endpoint answers ProblemDetails (RFC 9457); the pages answer
                HTML. Bad input is a 4xx, never a 500.

                Credentials: the OAuth endpoints authenticate the client (HTTP Basic, or `client_id` and `client_secret` in the form,
                or a public client's `client_id` alone); the admin and event APIs take a bearer access token of this server with a
                scope (`admin`, `events:read`, `events:ingest`, `metrics:read`), obtained from `/oauth/token`.
                """,
        };
        document.Servers = [new OpenApiServer { Url = settings.Issuer, Description = "The issuer." }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));

        document.Components ??= new OpenApiComponents();
        var components = document.Components;
        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in Schemas.For(document))
        {
            components.Schemas[name] = schema;
        }

        components.Headers = new Dictionary<string, IOpenApiHeader>
        {
            [ResponseHeaders.WwwAuthenticate] = Header("The challenge (RFC 9110 11.6.1): `Basic realm=\"oauth2\"` after a failed HTTP Basic client authentication; `Bearer`, with the RFC 6750 error and scope, for a refused access token.", """{"type":"string","examples":["Bearer error=\"insufficient_scope\", scope=\"admin\""]}""", document),
            [ResponseHeaders.Location] = Header("Where the result is, or where the browser goes next.", """{"type":"string","format":"uri-reference"}""", document),
            [ResponseHeaders.RetryAfter] = Header("Seconds to wait before trying again.", """{"type":"integer","minimum":1}""", document),
        };

        components.SecuritySchemes = SecuritySchemesOf(settings, options);
        DescribeMetrics(document, services, options);
        return Task.CompletedTask;
    }

    private static Dictionary<string, IOpenApiSecurityScheme> SecuritySchemesOf(ServerSettings settings, OAuth2Options options)
    {
        var scopes = new Dictionary<string, string>
        {
            [Scopes.Admin] = "The admin APIs (users, resource servers, signing keys, sinks, webhooks), any client registration and configuration, reading events, health details and metrics.",
            [Scopes.EventsRead] = "Reading the event log, and the details of /ready and /events/health.",
            [Scopes.EventsIngest] = "Sending events to POST /events/ingest.",
            [Scopes.MetricsRead] = "Scraping /metrics on the main port.",
        };
        var tokenUrl = new Uri(settings.Issuer + "/oauth/token");
        return new Dictionary<string, IOpenApiSecurityScheme>
        {
            [SecuritySchemes.ClientSecretBasic] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = "Client authentication `client_secret_basic` (RFC 6749 2.3.1): the client id and secret, each form-urlencoded, as HTTP Basic credentials. The OAuth endpoints also take `client_secret_post` (client_id and client_secret in the form), and a public client's client_id alone where the endpoint allows public clients; those travel in the request body.",
            },
            [SecuritySchemes.OAuth2] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "A bearer access token (RFC 6750) issued by this server for itself (its audience is the issuer), with the scope the endpoint asks for.",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow { TokenUrl = tokenUrl, Scopes = scopes },
                    AuthorizationCode = new OpenApiOAuthFlow
                    {
                        AuthorizationUrl = new Uri(settings.Issuer + "/oauth/authorize"),
                        TokenUrl = tokenUrl,
                        RefreshUrl = tokenUrl,
                        Scopes = scopes,
                    },
                },
            },
            [SecuritySchemes.InitialAccessToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The initial access token of RFC 7591 3.1 (OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN): registers clients with any scope.",
            },
            [SecuritySchemes.RegistrationAccessToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A client's registration access token (RFC 7592 2), returned once by its registration.",
            },
            [SecuritySchemes.SessionCookie] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = options.IssuesOverHttps ? "__Host-oauth2.session" : "oauth2.session",
                Description = "The browser session that sign-in starts (HttpOnly, SameSite=Lax; its idle and absolute lifetimes are OAUTH2_SESSION_*).",
            },
        };
    }

    /// <summary>
    /// <c>/metrics</c> as <see cref="TelemetrySetup.MapOAuth2Metrics"/> serves it: with a bearer token on the main port,
    /// or on OAUTH2_METRICS_PORT alone and without credentials. Absent when it is not served (the OpenTelemetry SDK off,
    /// or OTEL_METRICS_EXPORTER without prometheus).
    /// </summary>
    private static void DescribeMetrics(OpenApiDocument document, IServiceProvider services, OAuth2Options options)
    {
        if (!TelemetrySetup.Scraped(services.GetRequiredService<IConfiguration>()))
        {
            return;
        }

        var ownPort = options.MetricsPort > 0;
        var operation = new OpenApiOperation
        {
            OperationId = "getMetrics",
            Summary = "Prometheus metrics",
            Description = ownPort
                ? $"The OAuth2.Actors meter (tokens, client authentication, introspection, revocation, codes, sign-in, events, sinks, webhooks, cluster), ASP.NET Core's and the .NET runtime's, in the Prometheus text format (OpenMetrics when the Accept header asks for it). This server serves it on its metrics port ({options.MetricsPort}, OAUTH2_METRICS_PORT) only, without credentials; the main port answers 404 here."
                : "The OAuth2.Actors meter (tokens, client authentication, introspection, revocation, codes, sign-in, events, sinks, webhooks, cluster), ASP.NET Core's and the .NET runtime's, in the Prometheus text format (OpenMetrics when the Accept header asks for it). On the main port it takes a bearer token with metrics:read or admin; with OAUTH2_METRICS_PORT set it moves to that port alone, without credentials.",
            Tags = new HashSet<OpenApiTagReference> { new(ApiTags.Metrics, document) },
        };

        List<object> metadata =
        [
            new DocumentedResponse(StatusCodes.Status200OK, "The metrics.", Schemas.PrometheusText, MediaTypes.Text, []),
            new DocumentedResponse(StatusCodes.Status200OK, "The metrics.", Schemas.PrometheusText, MediaTypes.OpenMetrics, []),
        ];
        if (ownPort)
        {
            metadata.Add(new DocumentedSecurity([]));
        }
        else
        {
            metadata.Add(new DocumentedSecurity([(SecuritySchemes.OAuth2, [Scopes.MetricsRead]), (SecuritySchemes.OAuth2, [Scopes.Admin])]));
            metadata.Add(new DocumentedResponse(StatusCodes.Status401Unauthorized, "No access token, or one that is not active (invalid_token).", Schemas.ProblemDetails, MediaTypes.Problem, [ResponseHeaders.WwwAuthenticate]));
            metadata.Add(new DocumentedResponse(StatusCodes.Status403Forbidden, "The access token has neither metrics:read nor admin (insufficient_scope).", Schemas.ProblemDetails, MediaTypes.Problem, [ResponseHeaders.WwwAuthenticate]));
            metadata.Add(new DocumentedResponse(StatusCodes.Status503ServiceUnavailable, "The token could not be checked in time (temporarily_unavailable); retry.", Schemas.ProblemDetails, MediaTypes.Problem, []));
        }

        OperationDescriber.Describe(operation, metadata, document);
        document.Paths ??= new OpenApiPaths();
        document.Paths[TelemetrySetup.MetricsPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation },
        };
    }

    private static OpenApiHeader Header(string description, string schema, OpenApiDocument document) =>
        new() { Description = description, Schema = Schemas.Parse(schema, document) };

    private static string Version() =>
        typeof(DocumentDescriber).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";
}
