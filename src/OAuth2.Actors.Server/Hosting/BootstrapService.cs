using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>At start: creates or updates the bootstrap admin client, and warns when registration is open.</summary>
public sealed partial class BootstrapService(IOptions<OAuth2Options> options, IRequiredActor<ClientActor> clients, ILogger<BootstrapService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.RegistrationInitialAccessToken))
        {
            LogOpenRegistration(logger);
        }

        if (string.IsNullOrEmpty(o.BootstrapAdminClientId) || string.IsNullOrEmpty(o.BootstrapAdminClientSecret))
        {
            return;
        }

        var region = await clients.GetAsync(stoppingToken);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await region.Ask<BootstrapClientReady>(new EnsureBootstrapClient(o.BootstrapAdminClientId, o.BootstrapAdminClientSecret), TimeSpan.FromSeconds(10), stoppingToken);
                LogBootstrapReady(logger, o.BootstrapAdminClientId);
                return;
            }
            catch (AskTimeoutException)
            {
                LogBootstrapRetry(logger, attempt);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN is not set: anyone who can reach /clients/register can register clients (reserved scopes still need an admin token).")]
    private static partial void LogOpenRegistration(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap admin client {ClientId} is ready")]
    private static partial void LogBootstrapReady(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bootstrap admin client not stored yet (attempt {Attempt}); retrying")]
    private static partial void LogBootstrapRetry(ILogger logger, int attempt);
}
