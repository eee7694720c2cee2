using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Events.Redis;

/// <summary>The one call that makes this sink selectable by OAUTH2_EVENTS_BACKEND (idempotent): the host's list names it.</summary>
public static class RedisEventBackendRegistration
{
    public static IServiceCollection AddRedisEventBackend(this IServiceCollection services) => services.AddEventBackend<BrokerEventBackend<RedisEventSinkOptions>>();
}
