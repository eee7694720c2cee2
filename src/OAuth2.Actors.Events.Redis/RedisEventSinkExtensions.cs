using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis Streams backend with the host (selected by OAUTH2_EVENTS_BACKEND=redis).</summary>
public static class RedisEventBackendServiceCollectionExtensions
{
    /// <summary>Makes the <c>redis</c> backend available to OAUTH2_EVENTS_BACKEND (what <c>-p:EventBackends=redis</c> compiles in).</summary>
    public static IServiceCollection AddRedisEventBackend(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventBackend, RedisEventBackend>());
        return services;
    }
}

/// <summary>The Akka.Hosting call that adds a Redis Streams sink to the event pipeline.</summary>
public static class RedisEventSinkHostingExtensions
{
    /// <summary>
    /// Adds a Redis Streams sink (its own sink actor behind the event router) with <paramref name="options"/>. The
    /// connection is closed when the actor system terminates.
    /// </summary>
    public static AkkaConfigurationBuilder WithRedisEventSink(this AkkaConfigurationBuilder builder, RedisEventSinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var plugin = new RedisEventPlugin(options, loggerFactory);
        return builder
            .WithEventPlugin(plugin)
            .AddStartup((system, _) => system.RegisterOnTermination(plugin.Dispose));
    }
}
