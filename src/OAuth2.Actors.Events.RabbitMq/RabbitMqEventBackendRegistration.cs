using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>The one call that makes this sink selectable by OAUTH2_EVENTS_BACKEND (idempotent): the host's list names it.</summary>
public static class RabbitMqEventBackendRegistration
{
    public static IServiceCollection AddRabbitMqEventBackend(this IServiceCollection services) => services.AddEventBackend<BrokerEventBackend<RabbitMqEventSinkOptions>>();
}
