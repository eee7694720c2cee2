using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_EVENTS_SINK_{SINK}_TYPES, _MIN_SEVERITY and _RATE: each sink's policy, and the start-up errors (no host).</summary>
public sealed class EventSinkSettingsTests
{
    private static EventPipelineSetup Build(params (string Key, string Value)[] values) => Build([], values);

    private static EventPipelineSetup Build(IEnumerable<IEventBackend> compiled, params (string Key, string Value)[] values) =>
        EventPipelineSetup.Build(OptionsBinding.Configuration(values), compiled);

    private static string Refusal(params (string Key, string Value)[] values) => Refusal([], values);

    private static string Refusal(IEnumerable<IEventBackend> compiled, params (string Key, string Value)[] values) =>
        Assert.Throws<OptionsValidationException>(() => Build(compiled, values)).Message;

    private static AuthEvent Event(EventType type, EventSeverity severity = EventSeverity.Info) =>
        new("e-1", type, DateTimeOffset.UnixEpoch, severity, null, "c1", new Dictionary<string, string>(), null);

    [Fact]
    public void EventPipelineSetup_must_bind_a_sinks_types_min_severity_and_rate()
    {
        var setup = Build(
            ("OAUTH2_EVENTS_BACKEND", "both"),
            ("OAUTH2_EVENTS_SINK_CONSOLE_TYPES", "token_*, *_failed ,client_registered"),
            ("OAUTH2_EVENTS_SINK_CONSOLE_MIN_SEVERITY", "WARNING"),
            ("OAUTH2_EVENTS_SINK_CONSOLE_RATE", "50"));

        var policy = setup.Settings.PolicyOf(EventBackends.Console);
        Assert.Equal(["token_*", "*_failed", "client_registered"], policy.TypePatterns);
        Assert.Equal(EventSeverity.Warning, policy.MinSeverity);
        Assert.Equal(50, policy.RatePerSecond);
        Assert.True(policy.Allows(Event(EventType.TokenRevoked, EventSeverity.Critical)));
        Assert.True(policy.Allows(Event(EventType.UserAuthenticationFailed, EventSeverity.Warning)));
        Assert.False(policy.Allows(Event(EventType.TokenRevoked, EventSeverity.Info)));
        Assert.False(policy.Allows(Event(EventType.UserLogout, EventSeverity.Error)));
        Assert.Equal([EventBackends.Console], setup.Settings.SinkPolicies.Keys);
        Assert.Same(EventSinkPolicy.None, setup.Settings.PolicyOf(EventBackends.InMemory));
        Assert.Empty(setup.Warnings);
    }

    [Fact]
    public void EventPipelineSetup_must_leave_a_sink_without_settings_unnarrowed()
    {
        var setup = Build(("OAUTH2_EVENTS_BACKEND", "in_memory"), ("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "10"));

        var policy = setup.Settings.PolicyOf(EventBackends.InMemory);
        Assert.Empty(policy.TypePatterns);
        Assert.Null(policy.MinSeverity);
        Assert.Equal(10, policy.RatePerSecond);
        Assert.True(policy.Allows(Event(EventType.UserLogout)));
    }

    [Theory]
    [InlineData("RABBIT")]
    [InlineData("RABBITMQ")]
    [InlineData("rabbitmq")]
    public void EventPipelineSetup_must_name_a_sink_by_any_spelling_of_its_backend(string spelling)
    {
        IEventBackend[] compiled = [new FakeBackend("rabbit", "rabbitmq")];

        var setup = Build(compiled, ("OAUTH2_EVENTS_BACKEND", "rabbitmq"), ($"OAUTH2_EVENTS_SINK_{spelling}_RATE", "5"));

        Assert.Equal(5, setup.Settings.PolicyOf("rabbit").RatePerSecond);
        Assert.Equal(["rabbit"], setup.Settings.SinkPolicies.Keys);
    }

    [Fact]
    public void EventPipelineSetup_must_ignore_empty_sink_settings()
    {
        var setup = Build(("OAUTH2_EVENTS_SINK_IN_MEMORY_TYPES", ""), ("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", " "));

        Assert.Same(EventSinkPolicy.None, setup.Settings.PolicyOf(EventBackends.InMemory));
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_TYPES", "token_minted", "'token_minted' matches no event type")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_TYPES", "token_created,*_exploded", "'*_exploded' matches no event type")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_MIN_SEVERITY", "fatal", "'fatal' is not a severity")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "0", "'0' is not a rate")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "-3", "'-3' is not a rate")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "1.5", "'1.5' is not a rate")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "fast", "'fast' is not a rate")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "99999999999", "'99999999999' is not a rate")]
    public void EventPipelineSetup_must_refuse_to_start_on_an_unusable_sink_setting_naming_it(string key, string value, string reason)
    {
        var message = Refusal((key, value));

        Assert.Contains(key, message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_SINK_KAFKA_RATE", "'kafka' is not a configured sink")]
    [InlineData("OAUTH2_EVENTS_SINK_CONSOLE_TYPES", "'console' is not a configured sink")]
    [InlineData("OAUTH2_EVENTS_SINK_NOSUCH_MIN_SEVERITY", "'nosuch' is not a configured sink")]
    public void EventPipelineSetup_must_refuse_settings_for_a_sink_that_is_not_configured(string key, string reason)
    {
        IEventBackend[] compiled = [new FakeBackend("kafka")];

        var message = Refusal(compiled, ("OAUTH2_EVENTS_BACKEND", "in_memory"), (key, "token_created"));

        Assert.Contains(key, message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_SINK_WEBHOOK_FORMAT", "cloudevents")]
    [InlineData("OAUTH2_EVENTS_SINK_WEBHOOKS_TYPES", "token_*")]
    public void EventPipelineSetup_must_refuse_per_sink_settings_for_webhooks_and_point_to_the_endpoints_own(string key, string value)
    {
        var message = Refusal(("OAUTH2_EVENTS_BACKEND", "in_memory,webhook"), (key, value));

        Assert.Contains(key, message, StringComparison.Ordinal);
        Assert.Contains("OAUTH2_WEBHOOKS_FORMAT", message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventPipelineSetup_must_refuse_one_setting_given_under_two_spellings()
    {
        IEventBackend[] compiled = [new FakeBackend("rabbit", "rabbitmq")];

        var message = Refusal(compiled, ("OAUTH2_EVENTS_BACKEND", "rabbit"), ("OAUTH2_EVENTS_SINK_RABBIT_RATE", "5"), ("OAUTH2_EVENTS_SINK_RABBITMQ_RATE", "6"));

        Assert.Contains("set it once", message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventPipelineSetup_must_name_every_unusable_sink_setting_at_once()
    {
        var message = Refusal(("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "0"), ("OAUTH2_EVENTS_SINK_IN_MEMORY_MIN_SEVERITY", "loud"), ("OAUTH2_EVENTS_SINK_REDIS_RATE", "5"));

        Assert.Contains("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", message, StringComparison.Ordinal);
        Assert.Contains("OAUTH2_EVENTS_SINK_IN_MEMORY_MIN_SEVERITY", message, StringComparison.Ordinal);
        Assert.Contains("OAUTH2_EVENTS_SINK_REDIS_RATE", message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventPipelineSetup_must_refuse_unusable_sink_settings_even_when_eventing_is_disabled()
    {
        Assert.Throws<OptionsValidationException>(() => Build(("OAUTH2_EVENTS_ENABLED", "false"), ("OAUTH2_EVENTS_SINK_IN_MEMORY_RATE", "0")));
    }

    [Fact]
    public void EventPipelineSetup_must_check_but_not_keep_the_settings_of_a_sink_that_fell_back_to_in_memory()
    {
        IEventBackend[] compiled = [new FakeBackend("kafka", problem: "bootstrap servers missing")];

        var setup = Build(compiled, ("OAUTH2_EVENTS_BACKEND", "kafka"), ("OAUTH2_EVENTS_SINK_KAFKA_RATE", "5"));

        Assert.Equal([EventBackends.InMemory], setup.Settings.Backends);
        Assert.Empty(setup.Settings.SinkPolicies);
        Assert.Contains(setup.Warnings, w => w.Contains("bootstrap servers missing", StringComparison.Ordinal));
        Assert.Throws<OptionsValidationException>(() => Build(compiled, ("OAUTH2_EVENTS_BACKEND", "kafka"), ("OAUTH2_EVENTS_SINK_KAFKA_RATE", "0")));
    }

    [Fact]
    public void EventPipelineSetup_must_warn_about_a_variable_under_the_sink_prefix_that_is_no_sink_setting()
    {
        var setup = Build(("OAUTH2_EVENTS_SINK_IN_MEMORY_TYPE", "token_created"), ("OAUTH2_EVENTS_SINK_BUFFER", "100"));

        Assert.Equal(100, setup.Settings.SinkBufferSize);
        var warning = Assert.Single(setup.Warnings);
        Assert.Contains("OAUTH2_EVENTS_SINK_IN_MEMORY_TYPE", warning, StringComparison.Ordinal);
    }

    private sealed class FakeBackend(string name, string? alias = null, string? problem = null) : IEventBackend
    {
        public string Name => name;

        public IReadOnlyList<string> Aliases => alias is null ? [] : [alias];

        public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration) =>
            problem is null ? (new NamedPlugin(name), null) : (null, problem);
    }

    private sealed class NamedPlugin(string name) : IEventPlugin
    {
        public string Name => name;

        public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }

    [Theory]
    [InlineData("envelope", EventFormat.Envelope)]
    [InlineData("cloudevents", EventFormat.CloudEvents)]
    [InlineData("CloudEvents-Structured", EventFormat.CloudEventsStructured)]
    public void EventPipelineSetup_must_give_the_console_sink_its_format_with_the_issuer_as_source(string value, EventFormat expected)
    {
        var setup = Build(("OAUTH2_EVENTS_BACKEND", "both"), ("OAUTH2_EVENTS_SINK_CONSOLE_FORMAT", value), ("OAUTH2_ISSUER", "https://auth.example.com/"));

        var console = Assert.IsType<ConsoleEventPlugin>(setup.Plugins.Single(p => p.Name == EventBackends.Console));
        Assert.Equal(expected, console.Format);
        Assert.Same(EventSinkPolicy.None, setup.Settings.PolicyOf(EventBackends.Console));
        Assert.Empty(setup.Warnings);
    }

    [Fact]
    public async Task Console_sink_in_a_CloudEvents_format_must_write_one_structured_CloudEvent_per_line()
    {
        using var writer = new StringWriter();
        var plugin = new ConsoleEventPlugin(writer, EventFormat.CloudEvents, new Uri("https://auth.example.com"));
        var envelope = new EventEnvelope(Event(EventType.ClientValidated), null, null, null, "corr", "oauth2-server", DateTimeOffset.UnixEpoch, new Dictionary<string, string>());

        await plugin.EmitAsync(envelope, CancellationToken.None);
        await plugin.EmitAsync(envelope, CancellationToken.None);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var decoded = OAuth2.Actors.Events.CloudEvents.EventCloudEvents.Formatter.DecodeStructuredModeMessage(
            System.Text.Encoding.UTF8.GetBytes(lines[0].TrimEnd('\r')), new System.Net.Mime.ContentType("application/cloudevents+json"), OAuth2.Actors.Events.CloudEvents.EventCloudEvents.ExtensionAttributes);
        Assert.Equal("e-1", decoded.Id);
        Assert.Equal(new Uri("https://auth.example.com"), decoded.Source);
        Assert.Equal("com.oauth2actors.client.validated", decoded.Type);
        Assert.Equal("c1", decoded.Subject);
        Assert.Equal("corr", decoded["correlationid"]);
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_SINK_CONSOLE_FORMAT", "xml", "'xml' is not an event format")]
    [InlineData("OAUTH2_EVENTS_SINK_IN_MEMORY_FORMAT", "cloudevents", "in_memory sink keeps envelopes")]
    public void EventPipelineSetup_must_refuse_a_format_it_cannot_use_naming_the_variable(string key, string value, string reason)
    {
        var message = Refusal(("OAUTH2_EVENTS_BACKEND", "both"), (key, value));

        Assert.Contains(key, message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
    }
}
