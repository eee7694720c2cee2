namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>
/// The seed's fallback rule for rabbit: a malformed URL or a build without the backend is warned about, naming the
/// backend and the reason, and the server runs on in_memory. No RabbitMQ needed.
/// </summary>
public sealed class RabbitMqFallbackTests() : BackendFallbackTests(RabbitBroker.Backend);
