using Microsoft.Extensions.Options;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Endpoints;
using OAuth2.Actors.Server.Hosting;

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

app.MapOAuthEndpoints();
app.MapMetadataEndpoints();
app.MapHealthEndpoints();
app.MapEventEndpoints();

app.Run();

/// <summary>Entry point; public so the HTTP tests can host it.</summary>
public partial class Program;
