using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events;

/// <summary>
/// What a broker sink's options declare so that one backend serves every broker: the name OAUTH2_EVENTS_BACKEND knows
/// it by (and its aliases), how the options are read from configuration, and how they make a plugin.
/// </summary>
public interface IBrokerSinkOptions<TSelf>
    where TSelf : class, IBrokerSinkOptions<TSelf>
{
    /// <summary>The canonical backend name: the sink's name on /events/health and in the logs.</summary>
    static abstract string BackendName { get; }

    /// <summary>Other accepted spellings of <see cref="BackendName"/>.</summary>
    static abstract IReadOnlyList<string> BackendAliases { get; }

    /// <summary>The options the sink's variables describe, or why they cannot be used.</summary>
    static abstract (TSelf? Options, string? Problem) FromConfiguration(IConfiguration configuration);

    /// <summary>A plugin for these options, or why the client library refuses them.</summary>
    (IEventPlugin? Plugin, string? Problem) CreatePlugin(ILoggerFactory loggerFactory);
}

/// <summary>
/// The backend of the broker sink <typeparamref name="TOptions"/> describes, as the host sees it: selected by its
/// name, it builds the plugin from configuration (or names the problem, and the host falls back to in_memory), and
/// closes the plugins with the host's container. Each TOptions is its own type, so registering it is idempotent.
/// </summary>
public sealed class BrokerEventBackend<TOptions>(ILoggerFactory? loggerFactory = null)
    : PluginOwningEventBackend(TOptions.BackendName, [.. TOptions.BackendAliases])
    where TOptions : class, IBrokerSinkOptions<TOptions>
{
    protected override (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration)
    {
        var (options, problem) = TOptions.FromConfiguration(configuration);
        return options is null ? (null, problem) : options.CreatePlugin(loggerFactory ?? NullLoggerFactory.Instance);
    }
}

/// <summary>The Akka.Hosting call that adds a broker sink explicitly, in code, instead of through OAUTH2_EVENTS_BACKEND.</summary>
public static class BrokerEventSinkHostingExtensions
{
    /// <summary>
    /// Adds the sink <paramref name="options"/> describe (its own sink actor behind the event router); its connection
    /// closes when the actor system terminates. Throws when the options cannot be used: an explicit call fails
    /// loudly, unlike the OAUTH2_EVENTS_BACKEND fallback.
    /// </summary>
    public static AkkaConfigurationBuilder WithBrokerEventSink<TOptions>(this AkkaConfigurationBuilder builder, TOptions options, ILoggerFactory? loggerFactory = null)
        where TOptions : class, IBrokerSinkOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(options);
        var (plugin, problem) = options.CreatePlugin(loggerFactory ?? NullLoggerFactory.Instance);
        return builder.WithOwnedEventPlugin(plugin ?? throw new ArgumentException($"{TOptions.BackendName} event sink: {problem}", nameof(options)));
    }
}
