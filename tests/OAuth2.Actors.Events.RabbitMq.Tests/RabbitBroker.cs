using System.Text;
using RabbitMQ.Client;

namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>The RabbitMQ node the tests use (OAUTH2_TEST_RABBIT_URL, set by .ci/services/rabbitmq.sh) and an independent client for it.</summary>
public static class RabbitBroker
{
    public static readonly BrokerService Broker = new("RabbitMQ", "RABBIT", ".ci/services/rabbitmq.sh");

    /// <summary>The rabbit backend as the fallback tests see it.</summary>
    public static readonly BrokerBackend Backend = BrokerBackend.For<RabbitMqEventSinkOptions>(
        "rabbitmq",
        RabbitMqEventSinkOptions.UrlKey,
        "amqp://user:hunter2-secret@:notaport/x",
        "amqp://guest:guest@127.0.0.1:1/%2f");

    public static string Unique(string what) => $"oauth2.test.{what}.{Guid.NewGuid():N}";

    /// <summary>The settings of a server whose <paramref name="backends"/> publish to <paramref name="exchange"/>.</summary>
    public static Dictionary<string, string?> Settings(string backends, string url, string exchange) => new()
    {
        ["OAUTH2_EVENTS_BACKEND"] = backends,
        [RabbitMqEventSinkOptions.UrlKey] = url,
        ["OAUTH2_EVENTS_RABBIT_EXCHANGE"] = exchange,
    };

    /// <summary>A connection of the test's own, independent of the sink's (retrying while the node starts).</summary>
    public static async Task<IConnection> Connect(string url, TimeSpan? within = null)
    {
        var factory = new ConnectionFactory { Uri = new Uri(url), AutomaticRecoveryEnabled = false, ClientProvidedName = "oauth2-actors-tests" };
        var connection = await Eventually.Until(
            async () =>
            {
                try
                {
                    return await factory.CreateConnectionAsync();
                }
                catch (Exception)
                {
                    return null;
                }
            },
            c => c is not null,
            $"a connection to {url}",
            within ?? TimeSpan.FromSeconds(30));
        return connection!;
    }

    /// <summary>Declares the durable topic exchange (as the sink does) and a durable queue bound to it with <paramref name="bindingKey"/>.</summary>
    public static async Task DeclareBoundQueue(IChannel channel, string exchange, string queue, string bindingKey = "#")
    {
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, bindingKey);
    }

    /// <summary>
    /// Takes (and acknowledges) the messages of <paramref name="queue"/> as they arrive until <paramref name="done"/>
    /// holds for all taken so far, or fails after <paramref name="within"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Received>> TakeUntil(IChannel channel, string queue, Func<IReadOnlyList<Received>, bool> done, TimeSpan within, string what)
    {
        var taken = new List<Received>();
        return await Eventually.Until(
            async () =>
            {
                while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
                {
                    taken.Add(new Received(message.RoutingKey, message.Exchange, message.BasicProperties, message.Body.ToArray()));
                }

                return (IReadOnlyList<Received>)taken;
            },
            done,
            $"queue {queue}: {what}",
            within);
    }

    public static async Task TryDelete(string url, string? exchange, params string[] queues)
    {
        try
        {
            await using var connection = await Connect(url, TimeSpan.FromSeconds(10));
            await using var channel = await connection.CreateChannelAsync();
            foreach (var queue in queues)
            {
                await channel.QueueDeleteAsync(queue);
            }

            if (exchange is not null)
            {
                await channel.ExchangeDeleteAsync(exchange);
            }
        }
        catch (Exception)
        {
            // Cleanup only.
        }
    }
}

/// <summary>A message as the independent consumer received it.</summary>
public sealed record Received(string RoutingKey, string Exchange, IReadOnlyBasicProperties Properties, byte[] Body)
{
    public string? MessageId => Properties.MessageId;

    public string? CorrelationId => Properties.CorrelationId;

    public string Text => Encoding.UTF8.GetString(Body);

    public JsonElement Payload => JsonDocument.Parse(Body).RootElement.Clone();

    public string EventType => Payload.GetProperty("event").GetProperty("event_type").GetString()!;

    public string? Header(string name) => Properties.Headers is { } headers && headers.TryGetValue(name, out var value)
        ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => value.ToString(),
        }
        : null;
}
