namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>
/// The seed's fallback rule for rabbit: a malformed URL or a build without the backend is warned about, naming the
/// backend and the reason, and the server runs on in_memory. No RabbitMQ needed.
/// </summary>
public sealed class RabbitMqFallbackTests() : BackendFallbackTests(new BrokerBackend(
    new BrokerEventBackend<RabbitMqEventSinkOptions>(),
    "rabbitmq",
    RabbitMqEventSinkOptions.UrlKey,
    "amqp://user:hunter2-secret@:notaport/x",
    "amqp://guest:guest@127.0.0.1:1/%2f"));
