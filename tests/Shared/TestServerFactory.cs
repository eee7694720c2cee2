using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Testing;

/// <summary>
/// The real server (<see cref="Program"/>) with a test's OAUTH2_* settings, optional extra services (a broker backend:
/// the default host build compiles none in, so the DI registration is the switch) and its warnings captured.
/// </summary>
public sealed class TestServerFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(Logs));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
