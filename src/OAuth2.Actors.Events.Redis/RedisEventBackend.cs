using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// The <c>redis</c> backend (alias <c>redis_streams</c>) as the host sees it: builds a <see cref="RedisEventPlugin"/>
/// from OAUTH2_EVENTS_REDIS_*, or says why it cannot; the plugins' connections close with the host's container.
/// </summary>
public sealed class RedisEventBackend(ILoggerFactory? loggerFactory = null) : PluginOwningEventBackend
{
    public override string Name => EventBackends.Redis;

    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration)
    {
        var (options, problem) = RedisEventSinkOptions.FromConfiguration(configuration);
        return options is null ? (null, problem) : (new RedisEventPlugin(options, loggerFactory ?? NullLoggerFactory.Instance), null);
    }
}
