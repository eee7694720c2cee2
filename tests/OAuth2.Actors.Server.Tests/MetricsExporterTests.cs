using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Json;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests;

/// <summary>OTEL_METRICS_EXPORTER: which metric exporters run, what is refused at start, and no /metrics without Prometheus.</summary>
public sealed class MetricsExporterTests
{
    [Theory]
    [InlineData(null, null, true, false)]
    [InlineData(null, "http://collector:4318", true, true)]
    [InlineData("prometheus", "http://collector:4318", true, false)]
    [InlineData("otlp", null, false, true)]
    [InlineData(" OTLP , prometheus ", null, true, true)]
    [InlineData("none", "http://collector:4318", false, false)]
    public void MetricsExporters_must_follow_OTEL_METRICS_EXPORTER_and_otherwise_scrape_and_push_when_an_endpoint_is_set(
        string? exporter, string? endpoint, bool prometheus, bool otlp)
    {
        var configuration = OptionsBinding.Configuration([.. Setting("OTEL_METRICS_EXPORTER", exporter), .. Setting("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)]);

        Assert.Equal((prometheus, otlp), TelemetrySetup.MetricsExporters(configuration));
        Assert.Equal(prometheus, TelemetrySetup.Scraped(configuration));
    }

    [Fact]
    public void Scraped_must_be_false_with_the_sdk_disabled()
    {
        Assert.False(TelemetrySetup.Scraped(OptionsBinding.Configuration(("OTEL_SDK_DISABLED", "true"), ("OTEL_METRICS_EXPORTER", "prometheus"))));
    }

    [Theory]
    [InlineData("jaeger")]
    [InlineData("none,otlp")]
    [InlineData("prometheus;otlp")]
    [InlineData("")]
    public void OTEL_METRICS_EXPORTER_must_be_refused_at_start_unless_none_or_a_list_of_prometheus_and_otlp(string value)
    {
        var options = OptionsBinding.Bind(("OTEL_METRICS_EXPORTER", value));
        var failures = new List<ValidationResult>();

        // An empty value binds as unset (the default), which starts.
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true);

        Assert.Equal(value.Length == 0, valid);
        Assert.All(failures, f => Assert.Contains("OTEL_METRICS_EXPORTER", f.ErrorMessage, StringComparison.Ordinal));
    }

    private static (string Key, string Value)[] Setting(string key, string? value) => value is null ? [] : [(key, value)];
}

/// <summary>A server that pushes its metrics over OTLP only: no <c>/metrics</c> route, and none in its OpenAPI document.</summary>
[Collection(MetricsCollection.Name)]
public sealed class OtlpOnlyMetricsTests(OtlpOnlyMetricsTests.Fixture fixture) : HostTests<OtlpOnlyMetricsTests.Fixture>(fixture)
{
    // The discard port: the pushes fail (and are dropped) without reaching anything.
    public sealed class Fixture() : TestHostFixture(
        ("OTEL_METRICS_EXPORTER", "otlp"), ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://127.0.0.1:9/v1/metrics"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));

    [Fact]
    public async Task Metrics_must_not_be_served_when_OTEL_METRICS_EXPORTER_leaves_out_prometheus()
    {
        using var scrape = await Host.Send(HttpMethod.Get, "/metrics", await Host.AdminToken());
        Assert.Equal(HttpStatusCode.NotFound, scrape.StatusCode);

        using var openApi = await Host.Send(HttpMethod.Get, "/openapi/v1.json", bearer: null);
        using var document = JsonDocument.Parse(await openApi.Content.ReadAsStringAsync());
        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty("/oauth/token", out _));
        Assert.False(document.RootElement.GetProperty("paths").TryGetProperty("/metrics", out _));
    }
}
