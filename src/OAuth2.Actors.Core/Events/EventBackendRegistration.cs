using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OAuth2.Actors.Events;

/// <summary>What each sink's own one-line extension methods stand on: its backend in DI, its plugin in Akka.Hosting.</summary>
public static class EventBackendRegistration
{
    /// <summary>
    /// Makes <typeparamref name="TBackend"/> selectable by OAUTH2_EVENTS_BACKEND. Idempotent: registering the same
    /// backend twice adds it once.
    /// </summary>
    public static IServiceCollection AddEventBackend<TBackend>(this IServiceCollection services)
        where TBackend : class, IEventBackend
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventBackend, TBackend>());
        return services;
    }

    /// <summary>
    /// Adds <paramref name="plugin"/> as a sink (its own sink actor behind the event router) and disposes it when the
    /// actor system terminates, closing its connection.
    /// </summary>
    public static AkkaConfigurationBuilder WithOwnedEventPlugin(this AkkaConfigurationBuilder builder, IEventPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(plugin);
        return builder
            .WithEventPlugin(plugin)
            .AddStartup((system, _) => system.RegisterOnTermination(() => (plugin as IDisposable)?.Dispose()));
    }

    /// <summary>Every spelling OAUTH2_EVENTS_BACKEND accepts for <paramref name="backends"/>, mapped to its canonical name.</summary>
    public static IReadOnlyDictionary<string, string> Spellings(IEnumerable<IEventBackend> backends)
    {
        var spellings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var backend in backends)
        {
            spellings[backend.Name] = backend.Name;
            foreach (var alias in backend.Aliases)
            {
                spellings[alias] = backend.Name;
            }
        }

        return spellings;
    }
}
