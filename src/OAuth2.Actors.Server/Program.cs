using Microsoft.Extensions.Options;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Endpoints;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.Pages;
using OAuth2.Actors.Server.Pages.Admin;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddOptions<OAuth2Options>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<OAuth2Options>, OAuth2OptionsValidator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<RequestReader>();
builder.Services.AddSingleton<IOAuthGateway, OAuthGateway>();
builder.Services.AddSingleton<PersistenceProbe>();
builder.Services.AddSingleton(HealthProbes.Create);
builder.Services.AddSingleton<RequestDrain>();
builder.Services.AddSingleton<EventStreamSlots>();
builder.Services.AddHostedService<BootstrapService>();
builder.Services.AddHostedService<ClusterTransportWarning>();
builder.Services.AddAdminConsole();
builder.Services.AddProblemDetails();
builder.Services.AddOAuth2Eventing(builder.Configuration);
builder.Services.AddOAuth2ActorSystem();
// After the actor system: its cluster gauges start once the system has.
builder.Services.AddOAuth2Telemetry(builder.Configuration);
builder.Services.AddOAuth2OpenApi();
EventingStartup.ListenToRequestActivities();

builder.AddOAuth2WebHost();
builder.AddOAuth2Logging();

var app = builder.Build();

app.UseRequestDrain();
app.MapOAuth2Metrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCorrelation();
app.UseOAuth2RateLimits();
app.UseIssuerScheme();

// Only the browser routes (sign-in, consent) use the session cookie; every other endpoint authenticates its caller in
// the actors. Outside them the cookie handler would only look for a cookie that is never there, on every API request.
app.UseWhen(IsBrowserRoute, browser => browser.UseAuthentication());
// WebApplication adds UseAuthentication() to the whole pipeline itself unless the app builder carries this marker
// (UseAuthentication sets it, but on the branch above, whose properties are a copy), which would undo the line above.
((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;

app.MapOAuthEndpoints();
app.MapMetadataEndpoints();
app.MapKeyEndpoints();
app.MapHealthEndpoints();
app.MapEventEndpoints();
app.MapEventStream();
app.MapSinkEndpoints();
app.MapWebhookEndpoints();
app.MapBrowserEndpoints();
app.MapAdminConsole();
app.MapManagementEndpoints();
app.MapClientAdminEndpoints();
app.MapResourceEndpoints();
app.MapOAuth2OpenApi();

app.Run();

/// <summary>Entry point; public so the HTTP tests can host it.</summary>
public partial class Program
{
    /// <summary>
    /// The routes that read the session cookie: <see cref="BrowserEndpoints"/> (/oauth/authorize and /auth/*), the admin
    /// console's pages (/admin, not the bearer APIs under /admin/api) and the event stream its live page reads.
    /// </summary>
    private static bool IsBrowserRoute(HttpContext context)
    {
        var path = context.Request.Path;
        return path.StartsWithSegments("/auth", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/oauth/authorize", StringComparison.OrdinalIgnoreCase)
            || (path.StartsWithSegments(ConsolePage.Root, StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments("/admin/api", StringComparison.OrdinalIgnoreCase))
            || path.StartsWithSegments(EventStreamEndpoints.Path, StringComparison.OrdinalIgnoreCase);
    }
}
