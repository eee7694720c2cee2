using OAuth2.Actors.Server.OpenApi;
using Scalar.AspNetCore;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The API description: an OpenAPI 3.1 document at <c>/openapi/v1.json</c> (Microsoft.AspNetCore.OpenApi) and a
/// reference page at <c>/docs</c> (Scalar, its script served from the server itself). Both are public: they describe
/// the API and the issuer, nothing secret. The handlers read their requests themselves, so nothing is inferred: each
/// endpoint states its request, responses and security (<see cref="OpenApiAnnotations"/>), and
/// <see cref="OperationDescriber"/> and <see cref="DocumentDescriber"/> write them into the document.
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string DocsPath = "/docs";

    /// <summary>
    /// The reference page's policy: its own scripts (the page's inline one by a per-request nonce) and requests to this
    /// server only. Scalar's components set inline styles, so style-src allows them, and only here: the sign-in and
    /// consent pages keep their nonce-only policy.
    /// </summary>
    public static string DocsContentSecurityPolicy(string? nonce) =>
        $"default-src 'none'; script-src 'self'{(nonce is null ? string.Empty : $" 'nonce-{nonce}'")}; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IServiceCollection AddOAuth2OpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1;
            options.AddOperationTransformer<OperationDescriber>();
            options.AddDocumentTransformer<DocumentDescriber>();
        });
        return services;
    }

    public static WebApplication MapOAuth2OpenApi(this WebApplication app)
    {
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(DocsPath, StringComparison.OrdinalIgnoreCase),
            docs => docs.Use((context, next) =>
            {
                // The nonce is drawn when Scalar renders the page (after this runs): the policy is set as the answer starts.
                context.Response.OnStarting(() =>
                {
                    var headers = context.Response.Headers;
                    headers.ContentSecurityPolicy = DocsContentSecurityPolicy(context.Items[ScalarOptions.NonceHttpContextItemKey] as string);
                    headers.XFrameOptions = "DENY";
                    headers.XContentTypeOptions = "nosniff";
                    headers["Referrer-Policy"] = "no-referrer";
                    return Task.CompletedTask;
                });
                return next(context);
            }));

        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(DocsPath, options => options
            .WithTitle("OAuth2.Actors API")
            .WithOpenApiRoutePattern(DocumentPath)
            .WithNonce()
            // Nothing from elsewhere: the script is embedded in Scalar.AspNetCore, the fonts are the browser's own, and
            // neither telemetry, the AI chat nor the developer toolbar (which links to Scalar's services) is shown.
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .HideDeveloperTools());
        return app;
    }
}
