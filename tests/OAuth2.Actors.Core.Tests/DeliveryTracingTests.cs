using System.Diagnostics;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// Which sink deliveries are traced: one that carries a recorded request's events follows that request and links to
/// each recorded one; one whose requests were all sampled out is not a span at all; one of events from no request is a
/// root the sampler decides. A listener here stands in for OpenTelemetry's parent-based sampler. Runs alone: the span
/// source is the process's.
/// </summary>
[Collection(nameof(DeliveryTracingTests))]
[CollectionDefinition(nameof(DeliveryTracingTests), DisableParallelization = true)]
public sealed class DeliveryTracingTests : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == OAuth2Tracing.SourceName,
        // As OpenTelemetry's parent-based sampler: a recorded parent's child is recorded, an unrecorded parent's only
        // propagates, and a root is recorded (always-on at the root).
        Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                ? ActivitySamplingResult.AllDataAndRecorded
                : ActivitySamplingResult.PropagationData,
    };

    public DeliveryTracingTests() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    private static EventEnvelope From(string? traceparent) =>
        EventSpecSupport.Envelope(EventType.TokenCreated) with { Traceparent = traceparent };

    private static string Traceparent(bool sampled) => $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-{(sampled ? "01" : "00")}";

    [Fact]
    public void A_delivery_must_follow_the_first_recorded_request_and_link_only_to_recorded_ones()
    {
        var (unsampled, first, second) = (Traceparent(false), Traceparent(true), Traceparent(true));

        using var span = OAuth2Tracing.StartDelivery("kafka", [From(unsampled), From(first), From(null), From(second)]);

        Assert.NotNull(span);
        Assert.True(span.Recorded);
        Assert.Equal(first.Split('-')[1], span.TraceId.ToHexString());
        Assert.Equal([first.Split('-')[1], second.Split('-')[1]], span.Links.Select(l => l.Context.TraceId.ToHexString()));
    }

    [Fact]
    public void A_delivery_of_requests_all_sampled_out_must_not_be_a_span()
    {
        Assert.Null(OAuth2Tracing.StartDelivery("kafka", [From(Traceparent(false)), From(Traceparent(false))]));
    }

    [Fact]
    public void A_delivery_of_events_from_no_request_must_be_a_root_the_sampler_decides()
    {
        using var span = OAuth2Tracing.StartDelivery("kafka", [From(null)]);
        Assert.NotNull(span);
        Assert.Null(span.ParentId);
    }

    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", true)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03", true)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", false)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0", false)]
    public void IsSampled_must_read_the_sampled_flag_of_a_traceparent(string traceparent, bool sampled) =>
        Assert.Equal(sampled, OAuth2Tracing.IsSampled(traceparent));
}
