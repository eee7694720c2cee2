using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>The Akka.Hosting extension: one call adds the Kafka sink to an actor system's event pipeline.</summary>
public sealed class KafkaHostingTests
{
    [Fact]
    public async Task WithBrokerEventSink_must_register_a_sink_actor_that_publishes_to_the_topic()
    {
        var (brokers, topic) = KafkaBrokers.MockTopic("oauth2-hosting");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAkka("kafka-hosting", akka => akka
            .WithEventActor(new EventSettings(), TimeProvider.System, [])
            .WithBrokerEventSink(new KafkaSinkOptions { Brokers = brokers, Topic = topic }));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var events = host.Services.GetRequiredService<ActorRegistry>().Get<EventActor>();
            await Eventually.Until(
                () => events.Ask<EventHealth>(GetEventHealth.Instance, TimeSpan.FromSeconds(5)),
                health => health.Sinks.Any(s => s.Name == "kafka"),
                "the kafka sink to register with the event actor");
            var envelope = TestEnvelopes.Create(EventType.ClientRegistered, correlationId: "hosting");
            events.Tell(envelope);

            var records = await KafkaTopicReader.ReadUntil(brokers, topic, legacyBroker: false, r => r.Count >= 1, TimeSpan.FromSeconds(30), "the envelope");
            Assert.Equal(envelope.Event.Id, records.Single().Key);
            Assert.Equal("hosting", records.Single().Headers["correlation_id"]);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void WithBrokerEventSink_must_refuse_unusable_options_loudly()
    {
        var akka = new AkkaConfigurationBuilder(new ServiceCollection(), "kafka-hosting-bad");
        var error = Assert.Throws<ArgumentException>(() => akka.WithBrokerEventSink(new KafkaSinkOptions { Brokers = "" }));
        Assert.Contains("is empty", error.Message, StringComparison.Ordinal);
    }
}
