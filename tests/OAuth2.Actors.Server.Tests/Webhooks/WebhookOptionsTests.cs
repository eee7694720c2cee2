using Microsoft.Extensions.Configuration;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>OAUTH2_WEBHOOKS_* binding, the start-up validation naming the variable at fault, and webhook as a backend name.</summary>
public sealed class WebhookOptionsTests
{
    private static readonly string GoodSecret = WebhookSecret.Prefix + Convert.ToBase64String(new byte[32]);

    private static WebhookOptions Bind(params (string Key, string Value)[] values) =>
        OptionsBinding.Configuration(values).Get<WebhookOptions>() ?? new WebhookOptions();

    private static IReadOnlyList<string> Failures(WebhookOptions options) =>
        new WebhookOptionsValidator().Validate(null, options) is { Failed: true } result ? result.Failures.ToList() : [];

    [Fact]
    public void The_defaults_must_be_the_specification_s_and_valid()
    {
        var options = Bind();

        Assert.Empty(Failures(options));
        var settings = options.ToSettings();
        Assert.Equal(TimeSpan.FromSeconds(15), settings.Timeout);
        Assert.Equal(WebhookSettings.DefaultRetrySchedule, settings.RetrySchedule);
        Assert.False(settings.AllowHttp);
        Assert.False(settings.AllowPrivateNetworks);
        Assert.Equal(TimeSpan.FromDays(5), settings.DisableAfter);
        Assert.Equal(TimeSpan.FromHours(24), settings.SecretOverlap);
        Assert.Equal(16, settings.MaxInFlight);
        Assert.Null(settings.StaticEndpoint);
    }

    [Fact]
    public void Every_variable_must_bind_into_the_settings()
    {
        var options = Bind(
            ("OAUTH2_WEBHOOKS_TIMEOUT_SECONDS", "3"),
            ("OAUTH2_WEBHOOKS_RETRY_SCHEDULE", "1s, 2m,3h"),
            ("OAUTH2_WEBHOOKS_ALLOW_HTTP", "true"),
            ("OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true"),
            ("OAUTH2_WEBHOOKS_DISABLE_AFTER", "12h"),
            ("OAUTH2_WEBHOOKS_SECRET_OVERLAP", "30m"),
            ("OAUTH2_WEBHOOKS_MAX_IN_FLIGHT", "64"),
            ("OAUTH2_WEBHOOKS_URL", "http://receiver.example.com/hooks"),
            ("OAUTH2_WEBHOOKS_SECRET", GoodSecret),
            ("OAUTH2_WEBHOOKS_EVENT_TYPES", "token_created, user_*"),
            ("OAUTH2_WEBHOOKS_FORMAT", "cloudevents"));

        Assert.Empty(Failures(options));
        var settings = options.ToSettings();
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Timeout);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), TimeSpan.FromHours(3)], settings.RetrySchedule);
        Assert.True(settings.AllowHttp);
        Assert.True(settings.AllowPrivateNetworks);
        Assert.Equal(TimeSpan.FromHours(12), settings.DisableAfter);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.SecretOverlap);
        Assert.Equal(64, settings.MaxInFlight);
        var endpoint = Assert.IsType<StaticWebhookEndpoint>(settings.StaticEndpoint);
        Assert.Equal("http://receiver.example.com/hooks", endpoint.Url);
        Assert.Equal(GoodSecret, endpoint.Secret);
        Assert.Equal(["token_created", "user_*"], endpoint.EventTypes);
        Assert.Equal(EventFormat.CloudEvents, endpoint.Format);
    }

    [Theory]
    [InlineData("OAUTH2_WEBHOOKS_RETRY_SCHEDULE", "5s,,5m")]
    [InlineData("OAUTH2_WEBHOOKS_RETRY_SCHEDULE", "5 seconds")]
    [InlineData("OAUTH2_WEBHOOKS_RETRY_SCHEDULE", "")]
    [InlineData("OAUTH2_WEBHOOKS_DISABLE_AFTER", "five days")]
    [InlineData("OAUTH2_WEBHOOKS_DISABLE_AFTER", "0d")]
    [InlineData("OAUTH2_WEBHOOKS_SECRET_OVERLAP", "24")]
    [InlineData("OAUTH2_WEBHOOKS_URL", "ftp://example.com/hooks")]
    [InlineData("OAUTH2_WEBHOOKS_URL", "http://example.com/hooks")]
    [InlineData("OAUTH2_WEBHOOKS_URL", "/hooks")]
    public void A_bad_value_must_stop_the_start_naming_the_variable(string variable, string value)
    {
        var settings = new List<(string, string)> { (variable, value) };
        if (variable == "OAUTH2_WEBHOOKS_URL")
        {
            settings.Add(("OAUTH2_WEBHOOKS_SECRET", GoodSecret));
        }

        var failure = Assert.Single(Failures(Bind([.. settings])));

        Assert.StartsWith(variable, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAUTH2_WEBHOOKS_TIMEOUT_SECONDS", "0")]
    [InlineData("OAUTH2_WEBHOOKS_MAX_IN_FLIGHT", "0")]
    [InlineData("OAUTH2_WEBHOOKS_MAX_IN_FLIGHT", "5000")]
    public void An_out_of_range_number_must_be_refused_naming_the_variable(string variable, string value)
    {
        var options = Bind((variable, value));
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(variable, Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_static_endpoint_must_have_a_secret()
    {
        var failure = Assert.Single(Failures(Bind(("OAUTH2_WEBHOOKS_URL", "https://example.com/hooks"))));

        Assert.StartsWith("OAUTH2_WEBHOOKS_SECRET is required with OAUTH2_WEBHOOKS_URL", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "must start with whsec_")]
    [InlineData("whsec_not base64!", "is not base64")]
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "holds 22 bytes")]
    public void A_static_secret_must_be_whsec_and_24_bytes_or_more_and_never_shown(string secret, string reason)
    {
        var failure = Assert.Single(Failures(Bind(("OAUTH2_WEBHOOKS_URL", "https://example.com/hooks"), ("OAUTH2_WEBHOOKS_SECRET", secret))));

        Assert.StartsWith("OAUTH2_WEBHOOKS_SECRET is not usable", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_of_exactly_24_bytes_must_be_accepted()
    {
        var secret = WebhookSecret.Prefix + Convert.ToBase64String(new byte[24]);

        Assert.Empty(Failures(Bind(("OAUTH2_WEBHOOKS_URL", "https://example.com/hooks"), ("OAUTH2_WEBHOOKS_SECRET", secret))));
    }

    [Theory]
    [InlineData("OAUTH2_WEBHOOKS_EVENT_TYPES", "token_created,no_such_type", "'no_such_type' matches no event type")]
    [InlineData("OAUTH2_WEBHOOKS_FORMAT", "xml", "'xml' is not a format")]
    public void The_static_endpoint_s_types_and_format_must_be_known(string variable, string value, string reason)
    {
        var failure = Assert.Single(Failures(Bind(("OAUTH2_WEBHOOKS_URL", "https://example.com/hooks"), ("OAUTH2_WEBHOOKS_SECRET", GoodSecret), (variable, value))));

        Assert.StartsWith(variable, failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_static_endpoint_s_other_variables_without_its_url_must_be_refused()
    {
        var failure = Assert.Single(Failures(Bind(("OAUTH2_WEBHOOKS_SECRET", GoodSecret))));

        Assert.Contains("OAUTH2_WEBHOOKS_URL, which is not set", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ToString_must_not_show_the_secret()
    {
        Assert.DoesNotContain(GoodSecret, Bind(("OAUTH2_WEBHOOKS_SECRET", GoodSecret)).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("in_memory,webhook", new[] { "in_memory" })]
    [InlineData("webhooks, console", new[] { "console" })]
    [InlineData("WEBHOOK", new string[0])]
    public void Webhook_in_the_backend_list_must_enable_webhooks_without_a_warning_a_sink_or_the_in_memory_fallback(string backend, string[] sinks)
    {
        var setup = EventPipelineSetup.Build(OptionsBinding.Configuration(("OAUTH2_EVENTS_BACKEND", backend)), []);

        Assert.True(setup.Webhooks);
        Assert.Empty(setup.Warnings);
        Assert.Equal(sinks, setup.Settings.Backends);
        Assert.Equal(sinks.Length, setup.Plugins.Count);
        Assert.DoesNotContain(EventPipelineSetup.WebhookBackend, setup.Settings.SinkPolicies.Keys);
    }

    [Fact]
    public void Without_webhook_in_the_backend_list_webhooks_must_be_off()
    {
        Assert.False(EventPipelineSetup.Build(OptionsBinding.Configuration(("OAUTH2_EVENTS_BACKEND", "in_memory")), []).Webhooks);
        Assert.False(EventPipelineSetup.Build(OptionsBinding.Configuration(("OAUTH2_EVENTS_BACKEND", "in_memory,webhook"), ("OAUTH2_EVENTS_ENABLED", "false")), []).Webhooks);
    }

    [Fact]
    public void A_misspelt_backend_must_still_be_warned_about_with_webhook_listed_as_in_this_build()
    {
        var setup = EventPipelineSetup.Build(OptionsBinding.Configuration(("OAUTH2_EVENTS_BACKEND", "webhok")), []);

        Assert.False(setup.Webhooks);
        Assert.Contains(setup.Warnings, w => w.Contains("'webhok'", StringComparison.Ordinal) && w.Contains("webhook", StringComparison.Ordinal));
    }
}

/// <summary>The validation runs at the host's start: a bad webhook setting stops the server, naming the variable.</summary>
public sealed class WebhookSettingsStartTests : IDisposable
{
    private readonly string _dataDirectory = DataDirectories.New();

    [Fact]
    public async Task Start_must_fail_naming_the_variable_when_a_webhook_setting_is_unusable()
    {
        var settings = new Dictionary<string, string?>
        {
            ["OAUTH2_EVENTS_BACKEND"] = "in_memory,webhook",
            ["OAUTH2_WEBHOOKS_RETRY_SCHEDULE"] = "5s,soon",
        };

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.Start(_dataDirectory, settings));

        var messages = string.Join(" | ", Chain(failure).Select(e => e.Message));
        Assert.Contains("OAUTH2_WEBHOOKS_RETRY_SCHEDULE '5s,soon' is not a retry schedule", messages, StringComparison.Ordinal);
    }

    public void Dispose() => DataDirectories.Delete(_dataDirectory);

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
