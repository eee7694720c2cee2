using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>
/// The <c>rabbit</c> backend (alias <c>rabbitmq</c>) as the host sees it: builds a <see cref="RabbitMqEventPlugin"/>
/// from OAUTH2_EVENTS_RABBIT_*, or says why it cannot; the plugins' connections and channels close with the host's
/// container.
/// </summary>
public sealed class RabbitMqEventBackend(ILoggerFactory? loggerFactory = null) : PluginOwningEventBackend(RabbitMqEventPlugin.BackendName, "rabbitmq")
{
    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration) =>
        FromOptions(RabbitMqEventSinkOptions.FromConfiguration(configuration), options => new RabbitMqEventPlugin(options, loggerFactory));
}

/// <summary>The RabbitMQ sink's entry points: the host's backend list, or an explicit Akka.Hosting sink.</summary>
public static class RabbitMqEventSinkExtensions
{
    /// <summary>Makes the <c>rabbit</c> backend selectable by OAUTH2_EVENTS_BACKEND (idempotent).</summary>
    public static IServiceCollection AddRabbitMqEventBackend(this IServiceCollection services) => services.AddEventBackend<RabbitMqEventBackend>();

    /// <summary>Adds a RabbitMQ sink with <paramref name="options"/>; its connection closes when the actor system terminates.</summary>
    public static AkkaConfigurationBuilder WithRabbitMqEventSink(this AkkaConfigurationBuilder builder, RabbitMqEventSinkOptions options, ILoggerFactory? loggerFactory = null) =>
        builder.WithOwnedEventPlugin(new RabbitMqEventPlugin(options, loggerFactory));
}
