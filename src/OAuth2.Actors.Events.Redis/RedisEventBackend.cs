using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// The <c>redis</c> backend (alias <c>redis_streams</c>) as the host sees it: builds a <see cref="RedisEventPlugin"/>
/// from OAUTH2_EVENTS_REDIS_*, or says why it cannot (the host then warns and falls back to in_memory). Owns the
/// plugins it creates and closes their connections when the host's container is disposed.
/// </summary>
public sealed class RedisEventBackend : IEventBackend, IAsyncDisposable, IDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentBag<RedisEventPlugin> _created = [];

    public RedisEventBackend()
        : this(NullLoggerFactory.Instance)
    {
    }

    public RedisEventBackend(ILoggerFactory loggerFactory) => _loggerFactory = loggerFactory;

    public string Name => EventBackends.Redis;

    public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration)
    {
        var (options, problem) = RedisEventSinkOptions.FromConfiguration(configuration);
        if (options is null)
        {
            return (null, problem);
        }

        var plugin = new RedisEventPlugin(options, _loggerFactory);
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
