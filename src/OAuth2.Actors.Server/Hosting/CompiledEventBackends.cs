using OAuth2.Actors.Events.Kafka;
using OAuth2.Actors.Events.RabbitMq;
using OAuth2.Actors.Events.Redis;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The broker backends in this build: each one's project is referenced by the host's csproj, and registered here by
/// its one extension method (idempotent). OAUTH2_EVENTS_BACKEND selects among them at start; in_memory and console come
/// with Core. A new sink is one more ProjectReference and one more line.
/// </summary>
public static class CompiledEventBackends
{
    public static IServiceCollection AddCompiledEventBackends(this IServiceCollection services) => services
        .AddRedisEventBackend()
        .AddKafkaEventBackend()
        .AddRabbitMqEventBackend();
}
