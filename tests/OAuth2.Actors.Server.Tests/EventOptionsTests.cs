using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_EVENTS_* binding, settings and the plugins they select (no host).</summary>
public sealed class EventOptionsTests
{
    private const string Kafka = "kafka";

    private static EventPipelineSetup Build(IEnumerable<IEventBackend>? compiled = null, params (string Key, string Value)[] values) =>
        EventPipelineSetup.Build(OptionsBinding.Configuration(values), compiled ?? []);

    [Fact]
    public void EventOptions_must_default_to_enabled_in_memory_allow_all()
    {
        var (settings, warnings) = new EventOptions().ToSettings();

        Assert.Empty(warnings);
        Assert.True(settings.Enabled);
        Assert.Equal([EventBackends.InMemory], settings.Backends);
        Assert.Equal(EventFilterMode.AllowAll, settings.Filter.Mode);
        Assert.Equal(1000, settings.InMemoryMax);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.PluginTimeout);
        Assert.Equal(TimeSpan.FromHours(24), settings.DedupWindow);
        Assert.Equal("oauth2-actors", settings.Producer);
        Assert.Equal(TimeSpan.FromDays(30), settings.Log.Retention);
        Assert.Empty(settings.SinkPolicies);
    }

    [Fact]
    public void EventOptions_must_bind_every_oauth2_events_variable()
    {
        var options = OptionsBinding.Configuration(
            ("OAUTH2_EVENTS_ENABLED", "false"),
            ("OAUTH2_EVENTS_BACKEND", "console,in_memory"),
            ("OAUTH2_EVENTS_FILTER_MODE", "exclude"),
            ("OAUTH2_EVENTS_TYPES", "token_validated, client_validated"),
            ("OAUTH2_EVENTS_IN_MEMORY_MAX", "50"),
            ("OAUTH2_EVENTS_SINK_BUFFER", "20"),
            ("OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS", "250"),
            ("OAUTH2_EVENTS_DEDUP_WINDOW_SECONDS", "60"),
            ("OAUTH2_EVENTS_DEDUP_CAPACITY", "10"),
            ("OAUTH2_EVENTS_RETENTION_DAYS", "7"),
            ("OAUTH2_EVENTS_PRODUCER", "auth-eu-1")).Get<EventOptions>()!;

        var (settings, warnings) = options.ToSettings();

        Assert.Empty(warnings);
        Assert.False(settings.Enabled);
        Assert.Equal([EventBackends.Console, EventBackends.InMemory], settings.Backends);
        Assert.Equal(EventFilterMode.Exclude, settings.Filter.Mode);
        Assert.Equal(new HashSet<EventType> { EventType.TokenValidated, EventType.ClientValidated }, settings.Filter.Types);
        Assert.Equal(50, settings.InMemoryMax);
        Assert.Equal(20, settings.SinkBufferSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.PluginTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.DedupWindow);
        Assert.Equal(10, settings.DedupCapacity);
        Assert.Equal("auth-eu-1", settings.Producer);
        Assert.Equal(TimeSpan.FromDays(7), settings.Log.Retention);
    }

    [Theory]
    [InlineData("allow_all", EventFilterMode.AllowAll)]
    [InlineData("", EventFilterMode.AllowAll)]
    [InlineData(" INCLUDE ", EventFilterMode.Include)]
    [InlineData("Exclude", EventFilterMode.Exclude)]
    public void EventOptions_must_read_the_filter_mode_in_any_case(string mode, EventFilterMode expected)
    {
        var (settings, _) = new EventOptions { FilterMode = mode, Types = "token_created" }.ToSettings();

        Assert.Equal(expected, settings.Filter.Mode);
    }

    [Fact]
    public void EventOptions_must_warn_and_allow_all_for_an_unknown_filter_mode()
    {
        var (settings, warnings) = new EventOptions { FilterMode = "deny" }.ToSettings();

        Assert.Equal(EventFilterMode.AllowAll, settings.Filter.Mode);
        Assert.Contains(warnings, w => w.Contains("OAUTH2_EVENTS_FILTER_MODE", StringComparison.Ordinal) && w.Contains("deny", StringComparison.Ordinal));
    }

    [Fact]
    public void EventOptions_must_warn_about_unknown_event_types_and_keep_the_known_ones()
    {
        var (settings, warnings) = new EventOptions { FilterMode = "include", Types = "token_created,token_minted,,TOKEN_REVOKED" }.ToSettings();

        Assert.Equal(new HashSet<EventType> { EventType.TokenCreated }, settings.Filter.Types);
        Assert.Equal(2, warnings.Count(w => w.Contains("OAUTH2_EVENTS_TYPES", StringComparison.Ordinal)));
        Assert.Contains(warnings, w => w.Contains("token_minted", StringComparison.Ordinal));
    }

    [Fact]
    public void EventOptions_must_warn_when_include_names_no_type()
    {
        var (settings, warnings) = new EventOptions { FilterMode = "include" }.ToSettings();

        Assert.Empty(settings.Filter.Types);
        Assert.Contains(warnings, w => w.Contains("no event will be emitted", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("kafka")]
    [InlineData("redis_streams")]
    [InlineData("rabbitmq")]
    [InlineData("nats")]
    public void EventOptions_must_fall_back_to_in_memory_with_a_warning_for_a_backend_not_in_this_build(string backend)
    {
        // No backend registered: Core knows no broker, so even a broker's alias is named as it was written.
        var (settings, warnings) = new EventOptions { Backend = backend }.ToSettings();

        Assert.Equal([EventBackends.InMemory], settings.Backends);
        Assert.Contains(warnings, w => w.Contains("OAUTH2_EVENTS_BACKEND", StringComparison.Ordinal) && w.Contains($"'{backend}'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("redis", "redis_streams", "redis_streams")]
    [InlineData("rabbit", "rabbitmq", "RabbitMQ")]
    [InlineData("rabbit", "rabbitmq", "console,rabbitmq")]
    public void EventOptions_must_resolve_the_aliases_a_registered_backend_declares(string name, string alias, string setting)
    {
        IEventBackend[] compiled = [new FakeBackend(name, null, "not used", alias)];

        var (settings, warnings) = new EventOptions { Backend = setting }.ToSettings([name], EventBackendRegistration.Spellings(compiled));

        Assert.Equal(setting.StartsWith("console", StringComparison.Ordinal) ? [EventBackends.Console, name] : [name], settings.Backends);
        Assert.Empty(warnings);
    }

    [Fact]
    public void EventOptions_must_keep_console_and_add_in_memory_when_a_listed_backend_is_missing()
    {
        var (settings, warnings) = new EventOptions { Backend = "console,kafka" }.ToSettings();

        Assert.Equal([EventBackends.InMemory, EventBackends.Console], settings.Backends);
        Assert.Single(warnings);
    }

    [Fact]
    public void EventOptions_must_use_a_compiled_backend()
    {
        var (settings, warnings) = new EventOptions { Backend = "kafka" }.ToSettings([Kafka]);

        Assert.Equal([Kafka], settings.Backends);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_IN_MEMORY_MAX", "0")]
    [InlineData("OAUTH2_EVENTS_SINK_BUFFER", "0")]
    [InlineData("OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS", "1")]
    [InlineData("OAUTH2_EVENTS_DEDUP_WINDOW_SECONDS", "0")]
    [InlineData("OAUTH2_EVENTS_DEDUP_CAPACITY", "-5")]
    [InlineData("OAUTH2_EVENTS_RETENTION_DAYS", "0")]
    [InlineData("OAUTH2_EVENTS_RETENTION_DAYS", "3651")]
    public void EventPipelineSetup_must_refuse_out_of_range_numbers(string key, string value)
    {
        Assert.Throws<ValidationException>(() => Build(null, (key, value)));
    }

    [Fact]
    public void EventPipelineSetup_must_build_one_plugin_per_backend()
    {
        var setup = Build(null, ("OAUTH2_EVENTS_BACKEND", "both"), ("OAUTH2_EVENTS_IN_MEMORY_MAX", "7"));

        Assert.Equal([EventBackends.InMemory, EventBackends.Console], setup.Plugins.Select(p => p.Name));
        Assert.IsType<InMemoryEventPlugin>(setup.Plugins[0]);
        Assert.IsType<ConsoleEventPlugin>(setup.Plugins[1]);
        Assert.Equal([EventBackends.InMemory, EventBackends.Console], setup.Settings.Backends);
        Assert.Empty(setup.Warnings);
    }

    [Fact]
    public void EventPipelineSetup_must_build_no_plugin_when_disabled()
    {
        var setup = Build(null, ("OAUTH2_EVENTS_ENABLED", "false"), ("OAUTH2_EVENTS_BACKEND", "both"));

        Assert.False(setup.Settings.Enabled);
        Assert.Empty(setup.Plugins);
    }

    [Fact]
    public void EventPipelineSetup_must_use_a_compiled_backend_plugin()
    {
        var plugin = new NamedPlugin(Kafka);

        var setup = Build([new FakeBackend(Kafka, plugin, null)], ("OAUTH2_EVENTS_BACKEND", "kafka,in_memory"));

        Assert.Equal([plugin.Name, EventBackends.InMemory], setup.Plugins.Select(p => p.Name));
        Assert.Same(plugin, setup.Plugins[0]);
        Assert.Empty(setup.Warnings);
    }

    [Fact]
    public void EventPipelineSetup_must_fall_back_to_in_memory_when_a_compiled_backend_cannot_be_used()
    {
        var setup = Build([new FakeBackend(Kafka, null, "bootstrap servers missing")], ("OAUTH2_EVENTS_BACKEND", "kafka"));

        Assert.Equal([EventBackends.InMemory], setup.Plugins.Select(p => p.Name));
        Assert.Equal([EventBackends.InMemory], setup.Settings.Backends);
        Assert.Contains(setup.Warnings, w => w.Contains("bootstrap servers missing", StringComparison.Ordinal));
    }

    [Fact]
    public void EventPipelineSetup_must_accept_the_dedup_capacity_but_warn_that_it_has_no_effect()
    {
        var setup = Build(null, ("OAUTH2_EVENTS_DEDUP_CAPACITY", "10"));

        var warning = Assert.Single(setup.Warnings);
        Assert.Contains("OAUTH2_EVENTS_DEDUP_CAPACITY has no effect", warning, StringComparison.Ordinal);
        Assert.Empty(Build(null).Warnings);
    }

    private sealed class FakeBackend(string name, IEventPlugin? plugin, string? problem, params string[] aliases) : IEventBackend
    {
        public string Name => name;

        public IReadOnlyList<string> Aliases => aliases;

        public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration) => (plugin, problem);
    }

    private sealed class NamedPlugin(string name) : IEventPlugin
    {
        public string Name => name;

        public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
