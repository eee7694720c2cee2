using OAuth2.Actors.Events;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The event pipeline as configured: settings, one plugin per usable backend, and a warning for every backend
/// or event type that could not be used. A backend that is not in this build (see <see cref="CompiledEventBackends"/>),
/// or whose configuration is unusable, falls back to in_memory (the seed's rule), loudly, naming it and the reason.
/// </summary>
public sealed record EventPipelineSetup(EventSettings Settings, IReadOnlyList<IEventPlugin> Plugins, IReadOnlyList<string> Warnings)
{
    public static EventPipelineSetup Build(IConfiguration configuration, IEnumerable<IEventBackend> compiled)
    {
        var options = configuration.Get<EventOptions>() ?? new EventOptions();
        System.ComponentModel.DataAnnotations.Validator.ValidateObject(options, new System.ComponentModel.DataAnnotations.ValidationContext(options), validateAllProperties: true);
        var backends = compiled.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var (settings, parsedWarnings) = options.ToSettings(backends.Keys, EventBackendRegistration.Spellings(backends.Values));
        var warnings = parsedWarnings.ToList();
        if (!settings.Enabled)
        {
            return new EventPipelineSetup(settings, [], warnings);
        }

        var plugins = new List<IEventPlugin>();
        var names = new List<string>();
        foreach (var name in settings.Backends)
        {
            switch (name)
            {
                case EventBackends.InMemory:
                    plugins.Add(new InMemoryEventPlugin(settings.InMemoryMax));
                    names.Add(name);
                    break;
                case EventBackends.Console:
                    plugins.Add(new ConsoleEventPlugin());
                    names.Add(name);
                    break;
                default:
                    var (plugin, problem) = backends[name].Create(configuration);
                    if (plugin is null)
                    {
                        warnings.Add($"OAUTH2_EVENTS_BACKEND: backend '{name}' cannot be used: {problem}; falling back to in_memory.");
                    }
                    else
                    {
                        plugins.Add(plugin);
                        names.Add(name);
                    }

                    break;
            }
        }

        if (!names.Contains(EventBackends.InMemory) && names.Count < settings.Backends.Count)
        {
            plugins.Insert(0, new InMemoryEventPlugin(settings.InMemoryMax));
            names.Insert(0, EventBackends.InMemory);
        }

        return new EventPipelineSetup(settings with { Backends = names }, plugins, warnings);
    }
}
