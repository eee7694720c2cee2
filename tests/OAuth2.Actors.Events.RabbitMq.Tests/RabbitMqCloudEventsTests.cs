using OAuth2.Actors.Events.CloudEvents;

namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>
/// The RabbitMQ sink in the CloudEvents formats against the real broker, per the CloudEvents AMQP binding: binary mode
/// with <c>cloudEvents_*</c> application properties (headers) and the content type, structured mode with an
/// <c>application/cloudevents+json</c> body; each message taken back by an independent consumer.
/// </summary>
public sealed class RabbitMqCloudEventsTests
{
    [SkippableTheory]
    [InlineData(EventFormat.CloudEvents)]
    [InlineData(EventFormat.CloudEventsStructured)]
    public async Task RabbitMQ_sink_in_a_CloudEvents_format_must_publish_messages_the_AMQP_binding_reads_back(EventFormat format)
    {
        var url = RabbitBroker.Broker.Url();
        var exchange = RabbitBroker.Unique("ce");
        var queue = exchange + ".q";
        try
        {
            await using var connection = await RabbitBroker.Connect(url);
            await using var channel = await connection.CreateChannelAsync();
            await RabbitBroker.DeclareBoundQueue(channel, exchange, queue);
            var envelopes = new[] { CloudEventChecks.Rich(), CloudEventChecks.Bare(), CloudEventChecks.Rich(EventType.UserLogout) };
            await using var plugin = new RabbitMqEventPlugin(new RabbitMqEventSinkOptions { Url = url, Exchange = exchange, Format = format, Source = CloudEventChecks.Source });

            await plugin.EmitBatchAsync(envelopes, CancellationToken.None);

            var received = await RabbitBroker.TakeUntil(channel, queue, r => r.Count >= envelopes.Length, TimeSpan.FromSeconds(20), "every event");
            Assert.Equal(envelopes.Length, received.Count);
            foreach (var message in received)
            {
                var envelope = envelopes.Single(e => e.Event.Id == message.MessageId);
                Assert.Equal("auth." + EventTypeNames.Name(envelope.Event.EventType), message.RoutingKey);
                var headers = message.Properties.Headers ?? new Dictionary<string, object?>();
                var decoded = format == EventFormat.CloudEvents
                    ? CloudEventChecks.FromBinary(
                        headers.Where(h => h.Key.StartsWith(RabbitMqEventPlugin.CloudEventsHeaderPrefix, StringComparison.Ordinal))
                            .Select(h => new KeyValuePair<string, byte[]>(h.Key, Assert.IsType<byte[]>(h.Value))),
                        RabbitMqEventPlugin.CloudEventsHeaderPrefix,
                        message.Properties.ContentType,
                        message.Body)
                    : CloudEventChecks.FromStructured(message.Body, message.Properties.ContentType);
                CloudEventChecks.AssertMatches(envelope, decoded);
                if (format == EventFormat.CloudEventsStructured)
                {
                    Assert.DoesNotContain(headers.Keys, k => k.StartsWith(RabbitMqEventPlugin.CloudEventsHeaderPrefix, StringComparison.Ordinal));
                }
                else
                {
                    Assert.Equal(EventCloudEvents.DataContentType, message.Properties.ContentType);
                    // The envelope's own headers are not repeated beside the binding's (the broker may add its own, timestamp_in_ms).
                    Assert.DoesNotContain(headers.Keys, k => k is "event_type" or "idempotency_key" or "traceparent");
                }
            }
        }
        finally
        {
            await RabbitBroker.TryDelete(url, exchange, queue);
        }
    }
}
