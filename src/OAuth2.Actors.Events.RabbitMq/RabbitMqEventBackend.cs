using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>
/// The <c>rabbit</c> backend (alias <c>rabbitmq</c>) as the host sees it: builds a <see cref="RabbitMqEventPlugin"/>
/// from OAUTH2_EVENTS_RABBIT_*, or says why it cannot (the host then warns and falls back to in_memory). Owns the
/// plugins it creates and closes their connections and channels when the host's container is disposed.
/// </summary>
public sealed class RabbitMqEventBackend : IEventBackend, IAsyncDisposable, IDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentBag<RabbitMqEventPlugin> _created = [];

    public RabbitMqEventBackend()
        : this(NullLoggerFactory.Instance)
    {
    }

    public RabbitMqEventBackend(ILoggerFactory loggerFactory) => _loggerFactory = loggerFactory;

    public string Name => EventBackends.Rabbit;

    public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration)
    {
        var (options, problem) = RabbitMqEventSinkOptions.FromConfiguration(configuration);
        if (options is null)
        {
            return (null, problem);
        }

        var plugin = new RabbitMqEventPlugin(options, _loggerFactory);
        _created.Add(plugin);
        return (plugin, null);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var plugin in _created)
        {
            await plugin.DisposeAsync();
        }
    }

    public void Dispose()
    {
        foreach (var plugin in _created)
        {
            plugin.Dispose();
        }
    }
}
