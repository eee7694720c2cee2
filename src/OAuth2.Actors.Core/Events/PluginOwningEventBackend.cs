using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Events;

/// <summary>
/// The shape every broker backend shares: a name and its aliases, a plugin built from configuration (or why it cannot
/// be, and the host falls back to in_memory with a warning), and ownership of what it built. The host's container
/// disposes the backend when it stops, and the backend closes its plugins (asynchronously where they can), so
/// connections are closed and whatever a client library still holds is flushed.
/// </summary>
public abstract class PluginOwningEventBackend(string name, params string[] aliases) : IEventBackend, IAsyncDisposable, IDisposable
{
    private readonly List<IEventPlugin> _created = [];

    public string Name { get; } = name;

    public IReadOnlyList<string> Aliases { get; } = aliases;

    public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration)
    {
        var (plugin, problem) = CreatePlugin(configuration);
        if (plugin is not null)
        {
            lock (_created)
            {
                _created.Add(plugin);
            }
        }

        return (plugin, problem);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var plugin in TakeCreated())
        {
            if (plugin is IAsyncDisposable asynchronous)
            {
                await asynchronous.DisposeAsync();
            }
            else
            {
                (plugin as IDisposable)?.Dispose();
            }
        }

        GC.SuppressFinalize(this);
    }

    public void Dispose()
    {
        foreach (var plugin in TakeCreated())
        {
            (plugin as IDisposable)?.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The plugin <paramref name="create"/> makes of the options a backend parsed from configuration, or the parse's
    /// problem: the whole of a typical <see cref="CreatePlugin"/>.
    /// </summary>
    protected static (IEventPlugin? Plugin, string? Problem) FromOptions<TOptions>((TOptions? Options, string? Problem) parsed, Func<TOptions, IEventPlugin> create)
        where TOptions : class =>
        parsed.Options is { } options ? (create(options), null) : (null, parsed.Problem);

    /// <summary>A plugin built from <paramref name="configuration"/>, or why this backend cannot be used with it.</summary>
    protected abstract (IEventPlugin? Plugin, string? Problem) CreatePlugin(IConfiguration configuration);

    private IEventPlugin[] TakeCreated()
    {
        lock (_created)
        {
            IEventPlugin[] created = [.. _created];
            _created.Clear();
            return created;
        }
    }
}
