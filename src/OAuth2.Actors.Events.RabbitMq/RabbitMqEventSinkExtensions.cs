using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.RabbitMq;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the RabbitMQ backend with the host (selected by OAUTH2_EVENTS_BACKEND=rabbit).</summary>
public static class RabbitMqEventBackendServiceCollectionExtensions
{
    /// <summary>Makes the <c>rabbit</c> backend available to OAUTH2_EVENTS_BACKEND (what <c>-p:EventBackends=rabbit</c> compiles in).</summary>
    public static IServiceCollection AddRabbitMqEventBackend(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventBackend, RabbitMqEventBackend>());
        return services;
    }
}

/// <summary>The Akka.Hosting call that adds a RabbitMQ sink to the event pipeline.</summary>
public static class RabbitMqEventSinkHostingExtensions
{
    /// <summary>
    /// Adds a RabbitMQ sink (its own sink actor behind the event router) with <paramref name="options"/>. The connection
    /// is closed when the actor system terminates.
    /// </summary>
    public static AkkaConfigurationBuilder WithRabbitMqEventSink(this AkkaConfigurationBuilder builder, RabbitMqEventSinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var plugin = new RabbitMqEventPlugin(options, loggerFactory);
        return builder
            .WithEventPlugin(plugin)
            .AddStartup((system, _) => system.RegisterOnTermination(plugin.Dispose));
    }
}
