using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>
/// The <c>rabbit</c> backend (alias <c>rabbitmq</c>) as the host sees it: builds a <see cref="RabbitMqEventPlugin"/>
/// from OAUTH2_EVENTS_RABBIT_*, or says why it cannot; the plugins' connections and channels close with the host's
/// container.
/// </summary>
public sealed class RabbitMqEventBackend(ILoggerFactory? loggerFactory = null) : PluginOwningEventBackend
{
    public override string Name => EventBackends.Rabbit;

    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration)
    {
        var (options, problem) = RabbitMqEventSinkOptions.FromConfiguration(configuration);
        return options is null ? (null, problem) : (new RabbitMqEventPlugin(options, loggerFactory ?? NullLoggerFactory.Instance), null);
    }
}
