using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>
/// Webhook endpoints in the CloudEvents formats, read back with the CloudEvents SDK's HTTP binding and JSON formatter
/// (an implementation that is not ours): binary mode (<c>ce-*</c> headers, the event as data) and structured mode
/// (<c>application/cloudevents+json</c>); every attribute checked against the event as GET /events stores it, and the
/// Standard Webhooks signature over the exact bytes sent.
/// </summary>
public sealed class WebhookCloudEventsE2ETests(WebhookServerFixture fixture) : IClassFixture<WebhookServerFixture>
{
    // Declared here, not taken from the product, so that the SDK parses them as the specification's extensions.
    private static readonly CloudEventAttribute[] Extensions =
    [
        CloudEventAttribute.CreateExtension("traceparent", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("tracestate", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("correlationid", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("severitytext", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("partitionkey", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("idempotencykey", CloudEventAttributeType.String),
    ];

    private TestHost Host => fixture.Host;

    private WebhookReceiver Receiver => fixture.Receiver;

    [Theory]
    [InlineData("cloudevents", "application/json")]
    [InlineData("cloudevents-structured", "application/cloudevents+json")]
    public async Task A_webhook_in_a_CloudEvents_format_reads_back_with_the_SDK_with_every_attribute_of_the_event(string format, string contentType)
    {
        var path = WebhookE2E.NewPath(format);
        var webhook = await Host.CreateWebhook(Receiver.Url(path), ["token_created"], format);
        try
        {
            Assert.Equal(format, webhook.Body.Str("format"));
            var envelope = await Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            var delivery = await Receiver.Delivery(path, id);

            WebhookE2E.AssertSigned(delivery, id, webhook.Secret);
            Assert.StartsWith(contentType, delivery.ContentType, StringComparison.Ordinal);
            if (format == "cloudevents")
            {
                Assert.Equal("1.0", delivery.Header("ce-specversion"));
                Assert.Equal(id, delivery.Header("ce-id"));
            }
            else
            {
                Assert.Null(delivery.Header("ce-id"));
            }

            using var request = delivery.ToHttpRequestMessage(Receiver.BaseAddress);
            Assert.True(request.IsCloudEvent(), $"the SDK does not see a CloudEvent in {delivery}");
            var cloudEvent = await request.ToCloudEventAsync(new JsonEventFormatter(), Extensions);
            AssertMatches(cloudEvent, envelope);
        }
        finally
        {
            await Host.DeleteWebhook(webhook.Id);
        }
    }

    [Fact]
    public async Task A_retried_CloudEvent_keeps_its_id_and_source()
    {
        var path = WebhookE2E.NewPath("ce-retry");
        Receiver.Respond(path, WebhookBehaviour.SucceedAfter(1));
        var webhook = await Host.CreateWebhook(Receiver.Url(path), ["token_created"], "cloudevents-structured");
        try
        {
            var envelope = await Host.TokenCreatedEvent();
            var deliveries = await Receiver.Deliveries(path, envelope.Id()!, 2, TimeSpan.FromSeconds(30));
            var events = new List<CloudEvent>();
            foreach (var delivery in deliveries)
            {
                using var request = delivery.ToHttpRequestMessage(Receiver.BaseAddress);
                events.Add(await request.ToCloudEventAsync(new JsonEventFormatter(), Extensions));
            }

            Assert.All(events, e => AssertMatches(e, envelope));
            Assert.Equal(events[0].Id, events[1].Id);
            Assert.Equal(events[0].Source, events[1].Source);
        }
        finally
        {
            await Host.DeleteWebhook(webhook.Id);
            Receiver.ResetPath(path);
        }
    }

    private void AssertMatches(CloudEvent cloudEvent, JsonElement envelope)
    {
        var e = envelope.Event();
        Assert.Equal(CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.Equal(envelope.Id(), cloudEvent.Id);
        // The issuer: the in-memory test host's (GET /.well-known/openid-configuration names it).
        Assert.Equal(new Uri(TestHost.InMemoryIssuer), cloudEvent.Source);
        Assert.Equal("com.oauth2actors.token.created", cloudEvent.Type);
        Assert.Equal(envelope.Timestamp().ToUniversalTime(), cloudEvent.Time!.Value.ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        var subject = e.Str("user_id") is { Length: > 0 } user ? user : envelope.ClientId();
        Assert.Equal(subject, cloudEvent.Subject);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.Equal(envelope.Traceparent(), cloudEvent["traceparent"]);
        Assert.NotNull(envelope.Traceparent());
        Assert.Equal(envelope.CorrelationId(), cloudEvent["correlationid"]);
        Assert.Equal(envelope.Severity(), cloudEvent["severitytext"]);
        Assert.Equal(subject, cloudEvent["partitionkey"]);
        Assert.Equal(envelope.Str("idempotency_key") ?? envelope.Id(), cloudEvent["idempotencykey"]);

        // data: the event itself (ids, metadata, error).
        var data = cloudEvent.Data switch
        {
            JsonElement json => json,
            byte[] bytes => JsonDocument.Parse(bytes).RootElement.Clone(),
            string text => JsonDocument.Parse(text).RootElement.Clone(),
            var other => throw new Xunit.Sdk.XunitException($"unexpected data {other?.GetType()}"),
        };
        Assert.Equal(envelope.Id(), data.GetProperty("id").GetString());
        Assert.Equal("token_created", data.GetProperty("event_type").GetString());
        Assert.Equal(envelope.ClientId(), data.GetProperty("client_id").GetString());
    }
}
