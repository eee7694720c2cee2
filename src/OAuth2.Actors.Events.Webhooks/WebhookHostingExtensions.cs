using Akka.Event;
using Akka.Hosting;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>The Akka.Hosting call that starts the webhooks on a node.</summary>
public static class WebhookHostingExtensions
{
    /// <summary>
    /// Starts this node's <see cref="WebhookAdmin"/> (registered in the ActorRegistry) and hands the <c>event-sinks</c>
    /// region to <paramref name="sinks"/>. Call after <c>WithEventActor(..., store, [sinks])</c>, which runs the endpoints'
    /// sinks.
    /// </summary>
    public static AkkaConfigurationBuilder WithWebhooks(this AkkaConfigurationBuilder builder, WebhookSinks sinks) =>
        builder.WithActors((system, registry) =>
        {
            if (!registry.TryGet<EventSinkConsumer>(out var region))
            {
                system.Log.Warning("Webhooks not started: the event log's event-sinks region is not running (is eventing disabled?)");
                return;
            }

            sinks.AttachRegion(region);
            registry.Register<WebhookAdmin>(system.ActorOf(WebhookAdmin.Props(sinks, region), "webhook-admin"));
        });
}
