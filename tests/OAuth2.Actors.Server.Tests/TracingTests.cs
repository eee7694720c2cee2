using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Diagnostics;
using OpenTelemetry.Trace;

namespace OAuth2.Actors.Server.Tests;

/// <summary>A server recording every trace (OAUTH2_TRACING=on) into OpenTelemetry's in-memory exporter.</summary>
public sealed class TracingFixture() : TestHostFixture(("OAUTH2_TRACING", "on"))
{
    public List<Activity> Spans { get; } = [];

    protected override Action<IServiceCollection>? Services => services =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));

    /// <summary>The spans of one trace exported so far (the exporter's list is written as spans end).</summary>
    public List<Activity> Trace(ActivityTraceId traceId)
    {
        lock (Spans)
        {
            return Spans.Where(s => s.TraceId == traceId).ToList();
        }
    }
}

/// <summary>
/// The spans of a request: the endpoint's pipeline and its Asks under the HTTP request's span, and the sink delivery of
/// the events it caused in the same trace. Runs alone: the span source is the process's, shared by every host in it.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class TracingTests(TracingFixture fixture) : HostTests<TracingFixture>(fixture)
{
    private readonly TracingFixture _traces = fixture;

    [Fact]
    public async Task A_token_request_must_be_one_trace_from_the_http_request_to_the_sink_delivery_of_its_events()
    {
        var client = await Host.Register();
        var traceId = ActivityTraceId.CreateRandom();
        var traceparent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";

        using (var response = await Host.RequestToken(client, traceparent: traceparent))
        {
            Assert.False(response.IsError, response.Raw);
        }

        var spans = await Eventually.Until(
            () => Task.FromResult(_traces.Trace(traceId)),
            s => s.Any(a => a.Source.Name == OAuth2Tracing.SourceName && a.DisplayName == "deliver in_memory"),
            "the in-memory sink's delivery span in the request's trace");

        var request = Assert.Single(spans, s => s.Source.Name == "Microsoft.AspNetCore");
        // The HTTP semantic-convention tags of the request span (set by ASP.NET Core itself, see TelemetrySetup).
        Assert.Equal("POST", request.GetTagItem("http.request.method"));
        Assert.Equal("/oauth/token", request.GetTagItem("http.route"));
        Assert.Equal(200, Convert.ToInt32(request.GetTagItem("http.response.status_code"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("/oauth/token", request.GetTagItem("url.path"));
        var endpoint = Assert.Single(spans, s => s.DisplayName == "endpoint TokenEndpointRequest");
        Assert.Equal(request.SpanId, endpoint.ParentSpanId);
        Assert.Contains(spans, s => s.DisplayName.StartsWith("ask ", StringComparison.Ordinal) && s.ParentSpanId == endpoint.SpanId);

        var delivery = spans.First(s => s.DisplayName == "deliver in_memory");
        Assert.Equal(ActivityKind.Producer, delivery.Kind);
        Assert.Equal(request.SpanId, delivery.ParentSpanId);
        Assert.Contains(delivery.Links, l => l.Context.TraceId == traceId && l.Context.SpanId == request.SpanId);
        Assert.Equal("in_memory", delivery.GetTagItem("oauth2.sink"));
    }

    [Fact]
    public async Task A_refused_request_must_end_its_endpoint_span_with_the_error()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using (var response = await Host.RequestToken("no-such-client", "secret", traceparent: $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01"))
        {
            Assert.True(response.IsError);
        }

        var endpoint = await Eventually.Until(
            () => Task.FromResult(_traces.Trace(traceId).FirstOrDefault(s => s.DisplayName == "endpoint TokenEndpointRequest")),
            s => s is not null,
            "the endpoint span");
        Assert.Equal(ActivityStatusCode.Error, endpoint!.Status);
        Assert.Equal("invalid_client", endpoint.GetTagItem("error.type"));
    }

    [Fact]
    public async Task A_request_the_caller_did_not_sample_must_record_no_span()
    {
        var client = await Host.Register();
        var traceId = ActivityTraceId.CreateRandom();
        using (var response = await Host.RequestToken(client, traceparent: $"00-{traceId}-{ActivitySpanId.CreateRandom()}-00"))
        {
            Assert.False(response.IsError, response.Raw);
        }

        // The events are delivered (what a span would have recorded) without a span of that trace.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(_traces.Trace(traceId));
    }
}
