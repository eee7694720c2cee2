using Microsoft.Extensions.Logging;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// The webhook endpoints as durable sinks of the event log: each endpoint in the store is the sink
/// <c>webhook:{id}</c>, consumed like a configured sink (its own cursor, lease, pause and replay), with a
/// <see cref="WebhookEndpointPlugin"/> made for it by its consumer. One per node (a DI singleton in the host); it owns the
/// HTTP handler every delivery goes through.
/// </summary>
public sealed class WebhookSinks : IDynamicEventSinks, IDisposable
{
    private readonly HttpMessageInvoker _http;
    private IActorRef? _region;

    public WebhookSinks(WebhookSettings settings, IWebhookStore store, IEventLogStore log, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Settings = settings;
        Store = store;
        Log = log;
        Time = time;
        LoggerFactory = loggerFactory;
        _http = new HttpMessageInvoker(WebhookHttp.CreateHandler(settings), disposeHandler: true);
        Sender = new WebhookSender(_http, settings, time);
    }

    public WebhookSettings Settings { get; }

    public IWebhookStore Store { get; }

    public IEventLogStore Log { get; }

    public TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal WebhookSender Sender { get; }

    /// <summary>Where each attempt is counted (<c>oauth2.webhook.attempts</c>, by endpoint and status class).</summary>
    public OAuth2Metrics Metrics { get; init; } = OAuth2Metrics.Disabled;

    /// <summary>The <c>event-sinks</c> region, once <see cref="WebhookHostingExtensions.WithWebhooks"/> has handed it over.</summary>
    public IActorRef? Region => Volatile.Read(ref _region);

    /// <summary>Hands over the <c>event-sinks</c> region, through which an endpoint's plugin pauses its own sink when the endpoint is disabled.</summary>
    public void AttachRegion(IActorRef region) => Volatile.Write(ref _region, region);

    public bool Owns(string sink) => sink.StartsWith(WebhookEndpoint.SinkPrefix, StringComparison.Ordinal);

    public async Task<IReadOnlyCollection<string>> SinkNamesAsync(CancellationToken cancellationToken)
    {
        var endpoints = await Store.ListAsync(cancellationToken).ConfigureAwait(false);
        return endpoints.Select(e => e.SinkName).ToArray();
    }

    public IEventPlugin? CreatePlugin(string sink) =>
        WebhookEndpoint.IdOfSink(sink) is { Length: > 0 } id ? new WebhookEndpointPlugin(id, this) : null;

    /// <summary>Stops the endpoint's sink delivering (events wait in the log); false when no region is known yet.</summary>
    internal bool PauseSink(string sink)
    {
        if (Region is not { } region)
        {
            return false;
        }

        region.Tell(new PauseSink(sink), ActorRefs.NoSender);
        return true;
    }

    public void Dispose() => _http.Dispose();
}
