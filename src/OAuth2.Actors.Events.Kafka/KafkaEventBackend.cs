using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// The <c>kafka</c> backend of OAUTH2_EVENTS_BACKEND: builds a <see cref="KafkaEventPlugin"/> from
/// OAUTH2_EVENTS_KAFKA_*, or names why it cannot; the plugins are flushed and closed with the host's container.
/// </summary>
public sealed class KafkaEventBackend(ILoggerFactory? loggerFactory = null) : PluginOwningEventBackend(KafkaEventPlugin.BackendName)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("OAuth2.Actors.Events.Kafka");

    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration)
    {
        var (options, problem) = KafkaSinkOptions.FromConfiguration(configuration);
        return options is null ? (null, problem) : KafkaEventPlugin.Create(options, _logger);
    }
}

/// <summary>The Kafka sink's entry points: the host's backend list, or an explicit Akka.Hosting sink.</summary>
public static class KafkaEventSinkExtensions
{
    /// <summary>Makes the <c>kafka</c> backend selectable by OAUTH2_EVENTS_BACKEND (idempotent).</summary>
    public static IServiceCollection AddKafkaEventBackend(this IServiceCollection services) => services.AddEventBackend<KafkaEventBackend>();

    /// <summary>
    /// Adds a Kafka sink with <paramref name="options"/>; the producer is flushed and closed when the actor system
    /// terminates. Throws when librdkafka refuses the configuration: an explicit call should fail loudly, unlike the
    /// OAUTH2_EVENTS_BACKEND fallback.
    /// </summary>
    public static AkkaConfigurationBuilder WithKafkaEventSink(this AkkaConfigurationBuilder builder, KafkaSinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        var (plugin, problem) = KafkaEventPlugin.Create(options, loggerFactory?.CreateLogger("OAuth2.Actors.Events.Kafka"));
        return builder.WithOwnedEventPlugin(plugin ?? throw new ArgumentException("Kafka event sink: " + problem, nameof(options)));
    }
}
