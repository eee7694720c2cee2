using Microsoft.Extensions.DependencyInjection.Extensions;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.EventLog;
using OAuth2.Actors.Server.Webhooks;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The webhooks in the host: OAUTH2_WEBHOOKS_* bound and validated at start, the store beside the event log, the
/// endpoints' dynamic sinks, the admin gateway, and a service that creates the tables before the actor system starts
/// and purges attempts older than the event log's retention. Everything is registered; it runs only when
/// OAUTH2_EVENTS_BACKEND names <c>webhook</c> (<see cref="EventPipelineSetup.Webhooks"/>).
/// </summary>
public static class WebhookHosting
{
    /// <summary>Call before <c>AddOAuth2ActorSystem</c>: the store is ready before the actor system starts.</summary>
    public static IServiceCollection AddOAuth2Webhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        // CloudEvents' source: the issuer URI, as on every broker sink.
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<WebhookOptions>>().Value.ToSettings() with
        {
            EventSource = new Uri(sp.GetRequiredService<IOptions<OAuth2Options>>().Value.EffectiveIssuer, UriKind.Absolute),
        });
        services.TryAddSingleton<IWebhookStore>(sp => sp.GetRequiredService<IEventLogStore>() is SqlEventLogStore log
            ? new SqlWebhookStore(log, sp.GetRequiredService<ServerSettings>().KeyEncryption)
            : new SqlWebhookStore(DatabaseSettings.From(sp.GetRequiredService<IOptions<OAuth2Options>>().Value), sp.GetRequiredService<ServerSettings>().KeyEncryption));
        services.TryAddSingleton(sp => new WebhookSinks(
            sp.GetRequiredService<WebhookSettings>(),
            sp.GetRequiredService<IWebhookStore>(),
            sp.GetRequiredService<IEventLogStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>())
        {
            Metrics = sp.GetRequiredService<OAuth2Metrics>(),
        });
        services.TryAddSingleton<IWebhookGateway, WebhookGateway>();
        services.AddHostedService<WebhookStoreService>();
        return services;
    }
}

/// <summary>
/// Creates the webhook tables (and seals secrets stored in clear once a KEK is configured) at start, before the actor
/// system: a failure stops the start with its reason. Then purges attempts older than the event log's retention, in
/// batches, every purge interval of the log.
/// </summary>
public sealed partial class WebhookStoreService(
    EventPipelineSetup pipeline, IServiceProvider services, TimeProvider time, ILogger<WebhookStoreService> logger) : BackgroundService
{
    private bool Enabled => pipeline.Webhooks && pipeline.Settings.Enabled;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var settings = services.GetRequiredService<WebhookSettings>();
        try
        {
            await services.GetRequiredService<IWebhookStore>().InitializeAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCannotStart(logger, e.GetBaseException().Message);
            throw;
        }

        LogEnabled(logger, RetrySchedule.Format(settings.RetrySchedule), (int)settings.Timeout.TotalSeconds, settings.AllowHttp, settings.AllowPrivateNetworks,
            settings.StaticEndpoint is null ? "none" : new Uri(settings.StaticEndpoint.Url).Host);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var log = pipeline.Settings.Log;
        var store = services.GetRequiredService<IWebhookStore>();
        using var timer = new PeriodicTimer(log.PurgeInterval, time);
        do
        {
            try
            {
                var purged = 0;
                int deleted;
                do
                {
                    deleted = await store.PurgeAttemptsAsync(time.GetUtcNow() - log.Retention, log.PurgeBatchSize, stoppingToken);
                    purged += deleted;
                }
                while (deleted == log.PurgeBatchSize && !stoppingToken.IsCancellationRequested);

                if (purged > 0)
                {
                    LogPurged(logger, purged, log.Retention);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPurgeFailed(logger, e.GetType().Name, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhooks enabled: retry schedule {Schedule}, timeout {TimeoutSeconds}s, http allowed {AllowHttp}, private networks allowed {AllowPrivateNetworks}, static endpoint {StaticHost}")]
    private static partial void LogEnabled(ILogger logger, string schedule, int timeoutSeconds, bool allowHttp, bool allowPrivateNetworks, string staticHost);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The server cannot start: the webhook store: {Reason}")]
    private static partial void LogCannotStart(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook attempts log: purged {Count} attempt(s) older than {Retention}")]
    private static partial void LogPurged(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook attempts log: the purge failed ({ErrorType}: {Error}); trying again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, string errorType, string error);
}
