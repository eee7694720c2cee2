using System.Diagnostics;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Diagnostics;

/// <summary>
/// The server's spans (<c>OAuth2.Actors</c>; the host exports them with OpenTelemetry): one per endpoint pipeline, one
/// per Ask to an entity, one per sink delivery and one per webhook attempt. A delivery's parent is the request that
/// caused its first event (so one trace shows a token request and the Kafka, RabbitMQ or webhook delivery of its
/// events), and it links to the request of every event it carries. Nothing is created for a request the sampler left
/// out (OpenTelemetry would still create its spans, unrecorded, to carry the context: the request's own span carries it
/// already), nor with tracing off: then a span costs a check.
/// </summary>
public static class OAuth2Tracing
{
    public const string SourceName = "OAuth2.Actors";

    /// <summary>A delivery links to at most this many requests (a large batch of many requests' events).</summary>
    public const int MaxLinks = 128;

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> AskNames = new();

    /// <summary>The span of an endpoint's pipeline, a child of the HTTP request it runs for.</summary>
    public static Activity? StartEndpoint(string name, RequestContext context)
    {
        if (!Source.HasListeners() || (context.TraceParent is { } traceparent && !IsSampled(traceparent)))
        {
            return null;
        }

        return Source.StartActivity(name, ActivityKind.Internal, ContextOf(context.TraceParent, context.TraceState) ?? default);
    }

    /// <summary>The span of an Ask to an entity or a node's actor, named for the message, a child of the current span.</summary>
    public static Activity? StartAsk(object message)
    {
        if (!Source.HasListeners() || Activity.Current is not { Recorded: true })
        {
            return null;
        }

        var activity = Source.StartActivity(AskNames.GetOrAdd(message.GetType(), static t => "ask " + t.Name), ActivityKind.Internal);
        activity?.SetTag("oauth2.message", message.GetType().Name);
        return activity;
    }

    /// <summary>
    /// The span of delivering <paramref name="events"/> to a sink: a child of the first recorded request among them,
    /// linked to every recorded one; none when their requests were all sampled out; a root (the sampler decides) when
    /// no event came from a request.
    /// </summary>
    public static Activity? StartDelivery(string sink, IReadOnlyList<EventEnvelope> events)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        // The span follows the events' requests that were recorded (sampled): its parent is the first of them, and it
        // links to each. A batch whose requests were all left out (the usual case at a sampling ratio) is not traced, and
        // costs no parsing; a batch of events that came from no request at all (expiry, internal) is a root the sampler decides.
        ActivityContext parent = default;
        List<ActivityLink>? links = null;
        var fromRequests = false;
        foreach (var envelope in events)
        {
            if (envelope.Traceparent is not { } traceparent)
            {
                continue;
            }

            fromRequests = true;
            if (!IsSampled(traceparent) || ContextOf(traceparent, envelope.Tracestate) is not { } context)
            {
                continue;
            }

            if (parent == default)
            {
                parent = context;
            }

            links ??= [];
            if (links.Count < MaxLinks)
            {
                links.Add(new ActivityLink(context));
            }
        }

        if (fromRequests && parent == default)
        {
            return null;
        }

        var activity = Source.StartActivity(ActivityKind.Producer, parent, tags: null, links, name: "deliver " + sink);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("oauth2.sink", sink);
            activity.SetTag("messaging.batch.message_count", events.Count);
        }

        return activity;
    }

    /// <summary>The span of one webhook attempt: a child of the current delivery, or (a retry later on) of the event's request.</summary>
    public static Activity? StartWebhookAttempt(string endpointId, EventEnvelope envelope)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = Activity.Current?.Context ?? ContextOf(envelope.Traceparent, envelope.Tracestate) ?? default;
        var activity = Source.StartActivity(ActivityKind.Client, parent, name: "webhook attempt");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("oauth2.webhook.endpoint", endpointId);
            activity.SetTag("oauth2.event.id", envelope.Event.Id);
        }

        return activity;
    }

    /// <summary>Ends <paramref name="activity"/> as failed with <paramref name="error"/> (a type or code, never a secret).</summary>
    public static void Failed(this Activity activity, string error)
    {
        activity.SetStatus(ActivityStatusCode.Error, error);
        activity.SetTag("error.type", error);
    }

    /// <summary>W3C trace context: the sampled flag of a version-00 traceparent (its last two hex digits), read without parsing it all.</summary>
    public static bool IsSampled(string traceparent) =>
        traceparent.Length == 55 && traceparent[54] is '1' or '3' or '5' or '7' or '9' or 'b' or 'd' or 'f' or 'B' or 'D' or 'F';

    /// <summary>A W3C traceparent (and tracestate) as a remote parent context; null when absent or malformed.</summary>
    public static ActivityContext? ContextOf(string? traceparent, string? tracestate) =>
        traceparent is not null && ActivityContext.TryParse(traceparent, tracestate, isRemote: true, out var context) ? context : null;
}
