using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// The <c>kafka</c> backend of OAUTH2_EVENTS_BACKEND: builds a <see cref="KafkaEventPlugin"/> from
/// OAUTH2_EVENTS_KAFKA_*, or names why it cannot; the plugins are flushed and closed with the host's container.
/// </summary>
public sealed class KafkaEventBackend(ILoggerFactory? loggerFactory = null) : PluginOwningEventBackend
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("OAuth2.Actors.Events.Kafka");

    public override string Name => EventBackends.Kafka;

    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration)
    {
        var (options, problem) = KafkaSinkOptions.FromConfiguration(configuration);
        return options is null ? (null, problem) : KafkaEventPlugin.Create(options, _logger);
    }
}

public static class KafkaServiceCollectionExtensions
{
    /// <summary>Makes the <c>kafka</c> backend selectable by OAUTH2_EVENTS_BACKEND (idempotent: registering twice adds it once).</summary>
    public static IServiceCollection AddKafkaEventBackend(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventBackend, KafkaEventBackend>());
        return services;
    }
}
