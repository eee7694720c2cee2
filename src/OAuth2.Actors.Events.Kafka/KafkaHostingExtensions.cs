using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>The one Akka.Hosting call that adds a Kafka sink to the event pipeline.</summary>
public static class KafkaHostingExtensions
{
    /// <summary>
    /// Builds a <see cref="KafkaEventPlugin"/> from <paramref name="options"/> and registers it through
    /// <see cref="EventingHostingExtensions.WithEventPlugin"/> (its own sink actor, bounded queue and counters);
    /// the producer is flushed and closed when the actor system terminates. Throws when librdkafka refuses the
    /// configuration: an explicit call should fail loudly, unlike the OAUTH2_EVENTS_BACKEND fallback.
    /// </summary>
    public static AkkaConfigurationBuilder WithKafkaEventSink(this AkkaConfigurationBuilder builder, KafkaSinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var (plugin, problem) = KafkaEventPlugin.Create(options, loggerFactory?.CreateLogger("OAuth2.Actors.Events.Kafka"));
        if (plugin is null)
        {
            throw new ArgumentException("Kafka event sink: " + problem, nameof(options));
        }

        return builder
            .WithEventPlugin(plugin)
            .AddStartup((system, _) => system.RegisterOnTermination(plugin.Dispose));
    }
}
