using Microsoft.Extensions.Options;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Endpoints;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.Pages;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddOptions<OAuth2Options>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<OAuth2Options>, OAuth2OptionsValidator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<RequestReader>();
builder.Services.AddSingleton<IOAuthGateway, OAuthGateway>();
builder.Services.AddSingleton<PersistenceProbe>();
builder.Services.AddHostedService<BootstrapService>();
builder.Services.AddProblemDetails();
builder.Services.AddOAuth2Eventing(builder.Configuration);
builder.Services.AddOAuth2ActorSystem();
EventingStartup.ListenToRequestActivities();

builder.Services.AddOAuth2WebHost(builder.Configuration);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCorrelation();
app.UseIssuerScheme();
app.UseAuthentication();

app.MapOAuthEndpoints();
app.MapMetadataEndpoints();
app.MapHealthEndpoints();
app.MapEventEndpoints();
app.MapBrowserEndpoints();
app.MapManagementEndpoints();

app.Run();

/// <summary>Entry point; public so the HTTP tests can host it.</summary>
public partial class Program;
