using System.Diagnostics;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Server.Hosting;

public static partial class EventingStartup
{
    /// <summary>Binds OAUTH2_EVENTS_*, logs a warning for every name not understood, and registers the settings and gateway.</summary>
    public static IServiceCollection AddOAuth2Eventing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCompiledEventBackends();
        services.AddSingleton(sp => EventPipelineSetup.Build(configuration, sp.GetServices<IEventBackend>()));
        services.AddSingleton(sp => sp.GetRequiredService<EventPipelineSetup>().Settings);
        services.AddSingleton<IEventGateway, EventGateway>();
        // Webhooks (OAUTH2_EVENTS_BACKEND names webhook): their store starts before the actor system, registered first.
        services.AddOAuth2Webhooks(configuration);
        services.AddHostedService(sp => new EventingStartupReport(sp.GetRequiredService<EventPipelineSetup>(), sp.GetRequiredService<ILogger<EventingStartupReport>>()));
        return services;
    }

    /// <summary>
    /// Makes ASP.NET Core create an Activity for every request (continuing an incoming W3C traceparent), so the
    /// events a request causes carry its trace context. Propagation data only: nothing is recorded or exported.
    /// </summary>
    public static void ListenToRequestActivities() => _ = RequestActivities.Value;

    // One listener for the process, never disposed: several hosts in one process (tests) share it.
    private static readonly Lazy<ActivityListener> RequestActivities = new(() =>
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            // Keep the caller's sampling decision (the traceparent flags) without recording anything ourselves.
            Sample = (ref ActivityCreationOptions<ActivityContext> o) => (o.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
                ? ActivitySamplingResult.AllDataAndRecorded
                : ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    });

    private sealed partial class EventingStartupReport(EventPipelineSetup setup, ILogger<EventingStartupReport> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var settings = setup.Settings;
            foreach (var warning in setup.Warnings)
            {
                LogWarning(logger, warning);
            }

            if (settings.Enabled)
            {
                LogEnabled(logger, string.Join(",", settings.Backends), settings.Filter.Mode.ToString(), string.Join(",", settings.Filter.Types.Select(EventTypeNames.Name)));
            }
            else
            {
                LogDisabled(logger);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "Eventing: {Warning}")]
        private static partial void LogWarning(ILogger logger, string warning);

        [LoggerMessage(Level = LogLevel.Information, Message = "Eventing enabled: sinks {Backends}, filter {Mode} {Types}")]
        private static partial void LogEnabled(ILogger logger, string backends, string mode, string types);

        [LoggerMessage(Level = LogLevel.Information, Message = "Eventing disabled (OAUTH2_EVENTS_ENABLED=false): no EventActor runs")]
        private static partial void LogDisabled(ILogger logger);
    }
}
