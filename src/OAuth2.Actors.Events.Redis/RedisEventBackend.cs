using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// The <c>redis</c> backend (alias <c>redis_streams</c>) as the host sees it: builds a <see cref="RedisEventPlugin"/>
/// from OAUTH2_EVENTS_REDIS_*, or says why it cannot; the plugins' connections close with the host's container.
/// </summary>
public sealed class RedisEventBackend(ILoggerFactory? loggerFactory = null) : PluginOwningEventBackend(RedisEventPlugin.BackendName, "redis_streams")
{
    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration) =>
        FromOptions(RedisEventSinkOptions.FromConfiguration(configuration), options => new RedisEventPlugin(options, loggerFactory));
}

/// <summary>The Redis Streams sink's entry points: the host's backend list, or an explicit Akka.Hosting sink.</summary>
public static class RedisEventSinkExtensions
{
    /// <summary>Makes the <c>redis</c> backend selectable by OAUTH2_EVENTS_BACKEND (idempotent).</summary>
    public static IServiceCollection AddRedisEventBackend(this IServiceCollection services) => services.AddEventBackend<RedisEventBackend>();

    /// <summary>Adds a Redis Streams sink with <paramref name="options"/>; its connection closes when the actor system terminates.</summary>
    public static AkkaConfigurationBuilder WithRedisEventSink(this AkkaConfigurationBuilder builder, RedisEventSinkOptions options, ILoggerFactory? loggerFactory = null) =>
        builder.WithOwnedEventPlugin(new RedisEventPlugin(options, loggerFactory));
}
