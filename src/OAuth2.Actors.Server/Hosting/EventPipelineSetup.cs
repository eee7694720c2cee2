using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The event pipeline as configured: settings, one plugin per usable backend, and a warning for every backend
/// or event type that could not be used. A backend that is not in this build (see <see cref="CompiledEventBackends"/>),
/// or whose configuration is unusable, falls back to in_memory (the seed's rule), loudly, naming it and the reason.
/// </summary>
public sealed record EventPipelineSetup(EventSettings Settings, IReadOnlyList<IEventPlugin> Plugins, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The name that enables webhooks in OAUTH2_EVENTS_BACKEND (<c>in_memory,webhook</c>). No plugin of its own: each
    /// endpoint is a durable sink that comes and goes at runtime (<c>webhook:{id}</c>), configured by the admin API and
    /// OAUTH2_WEBHOOKS_*, so it is not one of <see cref="EventSettings.Backends"/> and has no OAUTH2_EVENTS_SINK_WEBHOOK_*.
    /// </summary>
    public const string WebhookBackend = "webhook";

    private static readonly IReadOnlyDictionary<string, string> WebhookSpellings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["webhook"] = WebhookBackend,
        ["webhooks"] = WebhookBackend,
    };

    /// <summary>True when OAUTH2_EVENTS_BACKEND names <see cref="WebhookBackend"/> (and eventing is enabled).</summary>
    public bool Webhooks { get; init; }

    public static EventPipelineSetup Build(IConfiguration configuration, IEnumerable<IEventBackend> compiled)
    {
        var options = configuration.Get<EventOptions>() ?? new EventOptions();
        System.ComponentModel.DataAnnotations.Validator.ValidateObject(options, new System.ComponentModel.DataAnnotations.ValidationContext(options), validateAllProperties: true);
        var backends = compiled.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var brokerSpellings = EventBackendRegistration.Spellings(backends.Values);
        var spellings = brokerSpellings.Concat(WebhookSpellings).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        var (parsed, parsedWarnings) = options.ToSettings([.. backends.Keys, WebhookBackend], spellings);
        var webhooks = parsed.Backends.Contains(WebhookBackend);
        var settings = parsed with { Backends = parsed.Backends.Where(b => b != WebhookBackend).ToList() };
        var warnings = parsedWarnings.ToList();
        var policies = SinkPolicies(configuration, options, settings, spellings, warnings);
        if (!string.IsNullOrEmpty(configuration["OAUTH2_EVENTS_DEDUP_CAPACITY"]))
        {
            // Still accepted (a deployment that sets it keeps starting), but ingest deduplication is the log's now.
            warnings.Add("OAUTH2_EVENTS_DEDUP_CAPACITY has no effect: ingest deduplication is durable and cluster-wide, in the event log, within OAUTH2_EVENTS_DEDUP_WINDOW_SECONDS.");
        }
        if (!settings.Enabled)
        {
            return new EventPipelineSetup(settings with { SinkPolicies = policies }, [], warnings) { Webhooks = false };
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
                    plugins.Add(ConsolePlugin(configuration));
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

        var used = policies.Where(p => names.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new EventPipelineSetup(settings with { Backends = names, SinkPolicies = used }, plugins, warnings) { Webhooks = webhooks };
    }

    /// <summary>The console sink in its OAUTH2_EVENTS_SINK_CONSOLE_FORMAT, its CloudEvents from the issuer.</summary>
    private static ConsoleEventPlugin ConsolePlugin(IConfiguration configuration)
    {
        // The format was checked with the other per-sink settings (SinkPolicies), and the issuer by OAuth2Options.
        if (!EventSinkFormatSetting.TryRead(configuration, EventBackends.Console, [], out var format, out var problem))
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EventOptions), [problem!]);
        }

        var (source, sourceProblem) = IssuerSetting.SourceFromConfiguration(configuration);
        if (source is null && format != EventFormat.Envelope)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EventOptions), [sourceProblem!]);
        }

        return new ConsoleEventPlugin(format: format, source: source);
    }

    /// <summary>
    /// OAUTH2_EVENTS_SINK_{SINK}_* for the sinks OAUTH2_EVENTS_BACKEND names (also one that falls back to in_memory:
    /// its fallback is warned about, its settings are still checked). A setting that cannot be used stops the start.
    /// </summary>
    private static Dictionary<string, EventSinkPolicy> SinkPolicies(
        IConfiguration configuration, EventOptions options, EventSettings settings, IReadOnlyDictionary<string, string> compiledSpellings, List<string> warnings)
    {
        var spellings = new Dictionary<string, string>(EventBackends.Aliases, StringComparer.OrdinalIgnoreCase);
        foreach (var (spelling, name) in compiledSpellings)
        {
            spellings[spelling] = name;
        }

        var (known, unknown) = EventBackends.Parse(options.Backend, compiledSpellings);
        var configured = settings.Backends.Concat(known).Concat(unknown.Select(u => u.ToLowerInvariant()))
            .Where(name => name != WebhookBackend).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var (policies, failures, sinkWarnings) = EventSinkSettings.Read(configuration, configured, spellings);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EventOptions), failures);
        }

        warnings.AddRange(sinkWarnings);
        return policies.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }
}
