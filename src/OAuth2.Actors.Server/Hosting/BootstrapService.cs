using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>At start: creates or updates the bootstrap admin client, warns when registration is open, and wakes the unused-client sweeper.</summary>
public sealed partial class BootstrapService(
    IOptions<OAuth2Options> options,
    IRequiredActor<ClientActor> clients,
    IRequiredActor<UnusedClientSweeper> unusedClients,
    ILogger<BootstrapService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.RegistrationOpen)
        {
            var allowed = o.RegistrationAllowedScopeList is { Length: > 0 } list ? string.Join(' ', list) : o.DefaultClientScope;
            LogOpenRegistration(logger, allowed);
        }

        if (o.UnusedClientTtlSeconds > 0)
        {
            // The sweeper is an entity: started by its first message, this one after a restart.
            (await unusedClients.GetAsync(stoppingToken)).Tell(SweepUnusedClients.Instance);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAUTH2_REGISTRATION_OPEN is true: anyone who can reach /clients/register can register clients, with scopes from {AllowedScopes} (other scopes need the initial access token or an admin token).")]
    private static partial void LogOpenRegistration(ILogger logger, string allowedScopes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap admin client {ClientId} is ready")]
    private static partial void LogBootstrapReady(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bootstrap admin client not stored yet (attempt {Attempt}); retrying")]
    private static partial void LogBootstrapRetry(ILogger logger, int attempt);
}
