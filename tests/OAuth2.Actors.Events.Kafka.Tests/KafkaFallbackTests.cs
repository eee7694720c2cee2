using OAuth2.Actors.Events.Tests.Support;
using Xunit;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>A kafka backend whose configuration cannot be used: the server warns, falls back to in_memory, and serves.</summary>
public sealed class KafkaFallbackTests
{
    [Theory]
    [InlineData(KafkaSinkOptions.BrokersKey, "", "is empty")]
    [InlineData(KafkaSinkOptions.BrokersKey, "localhost:notaport", "malformed entry")]
    [InlineData(KafkaSinkOptions.ConfigKey, "acks", "is not key=value")]
    [InlineData(KafkaSinkOptions.ConfigKey, "no.such.librdkafka.property=1", "librdkafka refused")]
    public async Task Kafka_backend_must_fall_back_to_in_memory_with_a_warning_when_its_configuration_is_unusable(string variable, string value, string reason)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_EVENTS_BACKEND"] = "kafka",
            [KafkaSinkOptions.BrokersKey] = "127.0.0.1:9",
            [variable] = value,
        };
        await using var host = await BrokerServerHost.Start(settings);

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("backend 'kafka' cannot be used", StringComparison.Ordinal));
        Assert.Contains(reason, warning, StringComparison.Ordinal);
        Assert.Contains("falling back to in_memory", warning, StringComparison.Ordinal);

        // Flows work, and their events land in the in-memory store.
        var client = await host.Register("read", correlationId: "fallback-register");
        await host.AccessToken(client, "fallback-token");
        var stored = await host.StoredEventsWhen(
            s => s.Any(e => e.GetProperty("correlation_id").GetString() == "fallback-token" && e.GetProperty("event").GetProperty("event_type").GetString() == "token_created"),
            "token_created of the fallback-token request");
        Assert.Contains(stored, e => e.GetProperty("correlation_id").GetString() == "fallback-token" && e.GetProperty("event").GetProperty("event_type").GetString() == "token_created");

        var health = await host.EventsHealth();
        Assert.Equal(["in_memory"], health.GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray());
    }

    [Fact]
    public async Task Kafka_backend_must_not_leak_a_config_value_in_its_warning()
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_EVENTS_BACKEND"] = "kafka",
            [KafkaSinkOptions.ConfigKey] = "sasl.username=svc,sasl.password=hunter2-secret,broken-entry-hunter3",
        };
        await using var host = await BrokerServerHost.Start(settings);

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("backend 'kafka' cannot be used", StringComparison.Ordinal));
        Assert.Contains("entry 3", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("hunter", StringComparison.Ordinal));
    }
}
