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
        await using var host = await TestHost.Start(settings);

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("backend 'kafka' cannot be used", StringComparison.Ordinal));
        Assert.Contains(reason, warning, StringComparison.Ordinal);
        Assert.Contains("falling back to in_memory", warning, StringComparison.Ordinal);

        await BackendFallbackTests.AssertRunsOnInMemory(host);
    }

    [Fact]
    public async Task Kafka_backend_must_not_leak_a_config_value_in_its_warning()
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_EVENTS_BACKEND"] = "kafka",
            [KafkaSinkOptions.ConfigKey] = "sasl.username=svc,sasl.password=hunter2-secret,broken-entry-hunter3",
        };
        await using var host = await TestHost.Start(settings);

        var warning = Assert.Single(host.Logs.Warnings, w => w.Contains("backend 'kafka' cannot be used", StringComparison.Ordinal));
        Assert.Contains("entry 3", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("hunter", StringComparison.Ordinal));
    }
}
