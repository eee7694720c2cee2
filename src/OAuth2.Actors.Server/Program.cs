using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Endpoints;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.Pages;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddOAuth2HoconDefaults();

builder.Services.AddOptions<OAuth2Options>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<OAuth2Options>, OAuth2OptionsValidator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ServerSettings>(sp => sp.GetRequiredService<IOptions<OAuth2Options>>().Value.ToSettings());
builder.Services.AddSingleton<RequestReader>();
builder.Services.AddSingleton<IOAuthGateway, OAuthGateway>();
builder.Services.AddSingleton<PersistenceProbe>();
builder.Services.AddHostedService<BootstrapService>();
builder.Services.AddProblemDetails();
builder.Services.AddOAuth2Eventing(builder.Configuration);
builder.Services.AddOAuth2ActorSystem();
EventingStartup.ListenToRequestActivities();

var startup = builder.Configuration.Get<OAuth2Options>() ?? new OAuth2Options();
var secureCookies = startup.EffectiveIssuer.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

// Session cookies and CSRF tokens are protected by keys kept beside the data, so sessions survive a restart.
builder.Services.AddDataProtection()
    .SetApplicationName("oauth2-actors")
    .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(startup.DataDirectory), "keys")));
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
{
    o.Cookie.Name = "oauth2.session";
    o.Cookie.HttpOnly = true;
    o.Cookie.SameSite = SameSiteMode.Lax;
    o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
    o.LoginPath = BrowserEndpoints.LoginPath;
    o.SlidingExpiration = true;
    o.ExpireTimeSpan = TimeSpan.FromHours(8);
});
builder.Services.AddAntiforgery(o =>
{
    o.Cookie.Name = "oauth2.csrf";
    o.Cookie.HttpOnly = true;
    o.Cookie.SameSite = SameSiteMode.Strict;
    o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
    o.FormFieldName = "__csrf";
    o.SuppressXFrameOptionsHeader = true;
});
if (string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls($"http://{startup.Host}:{startup.Port}");
}

builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    // The endpoints enforce OAUTH2_MAX_REQUEST_BODY_BYTES themselves so they can answer in their own error format.
    k.Limits.MaxRequestBodySize = Math.Max(startup.MaxRequestBodyBytes * 2L, 1024 * 1024);
});

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCorrelation();
if (secureCookies)
{
    // An https issuer is reached over https, even when TLS ends at a proxy in front of Kestrel: secure cookies need to know.
    app.Use((context, next) =>
    {
        context.Request.Scheme = Uri.UriSchemeHttps;
        return next(context);
    });
}

// Only the browser routes (sign-in, consent) use the session cookie; every other endpoint authenticates its caller in
// the actors. Outside them the cookie handler would only look for a cookie that is never there, on every API request.
app.UseWhen(IsBrowserRoute, browser => browser.UseAuthentication());
// WebApplication adds UseAuthentication() to the whole pipeline itself unless the app builder carries this marker
// (UseAuthentication sets it, but on the branch above, whose properties are a copy), which would undo the line above.
((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;

app.MapOAuthEndpoints();
app.MapMetadataEndpoints();
app.MapHealthEndpoints();
app.MapEventEndpoints();
app.MapBrowserEndpoints();
app.MapManagementEndpoints();

app.Run();

/// <summary>Entry point; public so the HTTP tests can host it.</summary>
public partial class Program
{
    /// <summary>The routes of <see cref="BrowserEndpoints"/>: /oauth/authorize and /auth/*.</summary>
    private static bool IsBrowserRoute(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/auth", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments("/oauth/authorize", StringComparison.OrdinalIgnoreCase);
}
