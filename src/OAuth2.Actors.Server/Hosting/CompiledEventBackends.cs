using OAuth2.Actors.Events;
#if EVENTS_KAFKA
using OAuth2.Actors.Events.Kafka;
#endif

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The broker backends compiled into this build. The default build has none; <c>-p:EventBackends=redis,kafka,rabbit</c>
/// (or the Dockerfile's EVENT_BACKENDS argument) adds each one's project and defines its EVENTS_* symbol.
/// </summary>
public static class CompiledEventBackends
{
    public static IServiceCollection AddCompiledEventBackends(this IServiceCollection services)
    {
#if EVENTS_KAFKA
        services.AddKafkaEventBackend();
#endif
#if EVENTS_REDIS
        services.AddRedisEventBackend();
#endif
#if EVENTS_RABBIT
        services.AddRabbitMqEventBackend();
#endif
        return services;
    }
}
