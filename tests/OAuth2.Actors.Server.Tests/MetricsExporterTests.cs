using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
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

/// <summary>
/// OTLP/HTTP export to a real receiver (a local HTTP server that records each export's path), configured only by the
/// per-signal variables: each signal goes to its own URL as given.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class OtlpExportTests(OtlpExportTests.Fixture fixture) : HostTests<OtlpExportTests.Fixture>(fixture)
{
    public sealed class Fixture() : TestHostFixture(
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", Receiver.Url + "/collector/traces"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", Receiver.Url + "/collector/metrics"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
        ("OTEL_BSP_SCHEDULE_DELAY", "200"));

    private static readonly OtlpReceiver Receiver = OtlpReceiver.Start();

    [Fact]
    public async Task Traces_and_metrics_must_be_pushed_each_to_the_endpoint_its_own_variable_names()
    {
        var client = await Host.Register();
        using var issued = await Host.RequestToken(client);
        Assert.False(issued.IsError, issued.Raw);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(Receiver.Paths.Contains("/collector/traces") && Receiver.Paths.Contains("/collector/metrics")))
        {
            await Task.Delay(100);
        }

        Assert.Contains("/collector/traces", Receiver.Paths);
        Assert.Contains("/collector/metrics", Receiver.Paths);
        Assert.DoesNotContain(Receiver.Paths, p => p.StartsWith("/v1/", StringComparison.Ordinal));
    }

    /// <summary>An OTLP/HTTP receiver that keeps the path of each export and answers an empty Export*ServiceResponse.</summary>
    private sealed class OtlpReceiver
    {
        private OtlpReceiver(string url) => Url = url;

        public string Url { get; }

        public System.Collections.Concurrent.ConcurrentQueue<string> Paths { get; } = new();

        public static OtlpReceiver Start()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            OtlpReceiver? receiver = null;
            app.MapPost("/{**path}", async (HttpContext http) =>
            {
                await http.Request.Body.CopyToAsync(Stream.Null);
                receiver?.Paths.Enqueue(http.Request.Path.Value ?? string.Empty);
                return Results.Bytes([], "application/x-protobuf");
            });
            app.StartAsync().GetAwaiter().GetResult();
            receiver = new OtlpReceiver(app.Urls.First());
            return receiver;
        }
    }
}
