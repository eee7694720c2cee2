using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// The <c>kafka</c> backend of OAUTH2_EVENTS_BACKEND: builds a <see cref="KafkaEventPlugin"/> from
/// OAUTH2_EVENTS_KAFKA_*, or names why it cannot (the host then falls back to in_memory with a warning).
/// Owns the plugins it creates: they are flushed and closed when the container is disposed.
/// </summary>
public sealed class KafkaEventBackend(ILoggerFactory? loggerFactory = null) : IEventBackend, IDisposable
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("OAuth2.Actors.Events.Kafka");
    private readonly List<KafkaEventPlugin> _created = [];

    public string Name => EventBackends.Kafka;

    public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration)
    {
        var (options, problem) = KafkaSinkOptions.FromConfiguration(configuration);
        if (options is null)
        {
            return (null, problem);
        }

        var (plugin, refused) = KafkaEventPlugin.Create(options, _logger);
        if (plugin is null)
        {
            return (null, refused);
        }

        lock (_created)
        {
            _created.Add(plugin);
        }

        return (plugin, null);
    }

    public void Dispose()
    {
        KafkaEventPlugin[] created;
        lock (_created)
        {
            created = [.. _created];
            _created.Clear();
        }

        foreach (var plugin in created)
        {
            plugin.Dispose();
        }
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
