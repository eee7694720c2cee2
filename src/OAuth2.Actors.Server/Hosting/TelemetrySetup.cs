using Microsoft.Extensions.DependencyInjection.Extensions;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Server.Endpoints;
using OpenTelemetry.Trace;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// Metrics with OpenTelemetry: the server's meter (<see cref="OAuth2Metrics"/>), ASP.NET Core's and the .NET runtime's,
/// exported as Prometheus text at <c>/metrics</c> and, when an <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> is set, over OTLP
/// (configured by the standard <c>OTEL_*</c> variables; <c>OTEL_METRICS_EXPORTER</c> picks one or the other).
/// <c>OTEL_SDK_DISABLED=true</c> turns the export off.
/// </summary>
public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    /// <summary>The meters exported besides the server's own: the runtime's, and ASP.NET Core's that an operator reads.</summary>
    /// <remarks>
    /// Named one by one rather than with the instrumentation's AddAspNetCoreInstrumentation, which also takes
    /// Microsoft.AspNetCore.MemoryPool: a measurement on every buffer Kestrel rents and returns (several per request, about
    /// a microsecond of each token request) for figures nobody alerts on.
    /// </remarks>
    private static readonly string[] BuiltInMeters =
    [
        "System.Runtime", "System.Net.Http", "System.Net.NameResolution",
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization",
    ];

    private static readonly string[] MetricsScopes = [Scopes.MetricsRead, Scopes.Admin];

    private const string AspNetCoreActivityDataSwitch = "Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData";

    public static IServiceCollection AddOAuth2Telemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton<OAuth2Metrics>();
        services.AddHostedService<ClusterMetrics>();
        if (IsTrue(configuration["OTEL_SDK_DISABLED"]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: configuration["OTEL_SERVICE_NAME"] ?? "oauth2-actors", serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing =>
            {
                if (!TracingEnabled(configuration))
                {
                    return;
                }

                // ASP.NET Core 10 can set the HTTP semantic-convention tags on its request span itself (the default from
                // ASP.NET Core 11); with the switch off the OpenTelemetry instrumentation sees them there and does not
                // compute them again on every recorded request.
                AppContext.SetSwitch(AspNetCoreActivityDataSwitch, false);
                // Sampling as OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG say (the SDK reads them; default: parent-based, always on).
                tracing.AddSource(OAuth2Tracing.SourceName)
                    .AddSource("System.Net.Http")
                    .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = http => !http.Request.Path.StartsWithSegments(MetricsPath));
                if (OtlpConfigured(configuration, "TRACES"))
                {
                    tracing.AddOtlpExporter(otlp => ApplySignalSettings(otlp, configuration, "TRACES"));
                }
            })
            .WithMetrics(metrics =>
            {
                var (prometheus, otlp) = MetricsExporters(configuration);
                if (!prometheus && !otlp)
                {
                    return;
                }

                metrics.AddMeter(OAuth2Metrics.MeterName).AddMeter(BuiltInMeters);
                if (prometheus)
                {
                    // Every scrape reads the instruments afresh (the exporter's default keeps an answer for 300 ms).
                    metrics.AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter(options => ApplySignalSettings(options, configuration, "METRICS"));
                }
            });
        return services;
    }

    /// <summary>
    /// <c>/metrics</c>: on <c>OAUTH2_METRICS_PORT</c> when one is set (and only there: every other path on that port is
    /// 404), otherwise on the main port to a bearer token with <c>metrics:read</c> or <c>admin</c> (401/403 as
    /// ProblemDetails).
    /// </summary>
    public static WebApplication MapOAuth2Metrics(this WebApplication app)
    {
        var scraped = Scraped(app.Configuration);
        var port = app.Services.GetRequiredService<IOptions<OAuth2Options>>().Value.MetricsPort;
        if (port > 0)
        {
            // The metrics port serves /metrics and nothing else; the main port does not serve /metrics.
            app.Use((context, next) =>
            {
                var onMetricsPort = context.Connection.LocalPort == port;
                if (onMetricsPort != context.Request.Path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            });

            // Without the Prometheus exporter the port still serves nothing else (its /metrics is 404 too).
            if (scraped)
            {
                app.MapPrometheusScrapingEndpoint(MetricsPath);
            }

            return app;
        }

        if (!scraped)
        {
            return app;
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if ((await BearerAccess.Require(context, MetricsScopes)).Denied is not { } denied)
            {
                await next(context);
                return;
            }

            context.Response.Headers.CacheControl = "no-store";
            await denied.ExecuteAsync(context);
        }), optionsName: null);
        return app;
    }

    /// <summary>The main URL and, when set, the metrics port's (same host).</summary>
    public static string[] Urls(string mainUrl, string host, int metricsPort) =>
        metricsPort > 0 ? [mainUrl, $"http://{host}:{metricsPort}"] : [mainUrl];

    /// <summary>
    /// The metric exporters: as <c>OTEL_METRICS_EXPORTER</c> lists them (prometheus, otlp; none), or when it is unset,
    /// Prometheus, and OTLP too when an OTLP endpoint for metrics is configured. (OAuth2Options validates the value at start.)
    /// </summary>
    public static (bool Prometheus, bool Otlp) MetricsExporters(IConfiguration configuration)
    {
        var setting = configuration["OTEL_METRICS_EXPORTER"];
        if (string.IsNullOrWhiteSpace(setting))
        {
            return (true, OtlpConfigured(configuration, "METRICS"));
        }

        var names = setting.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        bool Named(string name) => names.Contains(name, StringComparer.OrdinalIgnoreCase);
        return (Named("prometheus"), Named("otlp"));
    }

    /// <summary>
    /// The specification's per-signal OTLP settings (<c>OTEL_EXPORTER_OTLP_{TRACES|METRICS}_ENDPOINT</c>, <c>_PROTOCOL</c>,
    /// <c>_HEADERS</c>, <c>_TIMEOUT</c>), which take precedence over the generic ones. OpenTelemetry .NET's
    /// <c>AddOtlpExporter</c> reads only the generic variables (the per-signal ones only through <c>UseOtlpExporter</c>,
    /// which would push every signal): without this, a traces endpoint alone sent the traces to localhost:4318.
    /// A signal's endpoint is its full URL, used as it is.
    /// </summary>
    public static void ApplySignalSettings(OpenTelemetry.Exporter.OtlpExporterOptions options, IConfiguration configuration, string signal)
    {
        string? Setting(string name) => configuration[$"OTEL_EXPORTER_OTLP_{signal}_{name}"] is { Length: > 0 } value ? value.Trim() : null;

        if (Setting("ENDPOINT") is { } endpoint)
        {
            options.Endpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri
                : throw new InvalidOperationException($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT is not an absolute URL.");
        }

        switch (Setting("PROTOCOL")?.ToLowerInvariant())
        {
            case null:
                break;
            case "grpc":
                options.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
                break;
            case "http/protobuf":
                options.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
                break;
            default:
                throw new InvalidOperationException($"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL must be grpc or http/protobuf.");
        }

        if (Setting("HEADERS") is { } headers)
        {
            options.Headers = headers;
        }

        if (Setting("TIMEOUT") is { } timeout)
        {
            options.TimeoutMilliseconds = int.TryParse(timeout, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms
                : throw new InvalidOperationException($"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT must be a positive number of milliseconds.");
        }
    }

    /// <summary>Whether <c>/metrics</c> is served: the SDK is on and the Prometheus exporter among the metric exporters.</summary>
    public static bool Scraped(IConfiguration configuration) => !IsTrue(configuration["OTEL_SDK_DISABLED"]) && MetricsExporters(configuration).Prometheus;

    /// <summary>OTLP is on when its endpoint is configured, for all signals or for this one (<paramref name="signal"/>: METRICS, TRACES).</summary>
    public static bool OtlpConfigured(IConfiguration configuration, string signal) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);

    /// <summary>
    /// Traces are recorded when something exports them: an OTLP endpoint (unless <c>OTEL_TRACES_EXPORTER=none</c>), or
    /// <c>OAUTH2_TRACING=on</c> for an exporter added in code (an extension's, or a test's in-memory one).
    /// </summary>
    public static bool TracingEnabled(IConfiguration configuration) =>
        string.Equals(configuration["OAUTH2_TRACING"]?.Trim(), "on", StringComparison.OrdinalIgnoreCase)
        || (OtlpConfigured(configuration, "TRACES") && !string.Equals(configuration["OTEL_TRACES_EXPORTER"]?.Trim(), "none", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// <c>OAUTH2_LOG_FORMAT=json</c>: one JSON object per line on the console, with the scopes (the request's trace and
    /// span ids, and its span's tags: its correlation id). Every format records them in the log scope.
    /// </summary>
    public static WebApplicationBuilder AddOAuth2Logging(this WebApplicationBuilder builder)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId | ActivityTrackingOptions.Tags);
        if (string.Equals(builder.Configuration["OAUTH2_LOG_FORMAT"]?.Trim(), "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }

        return builder;
    }

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}
