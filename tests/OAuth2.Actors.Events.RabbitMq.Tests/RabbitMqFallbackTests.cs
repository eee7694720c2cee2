using OAuth2.Actors.Events.Tests.Support;
using Xunit;

namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>
/// The seed's fallback rule for rabbit: a malformed URL or a build without the backend is warned about, naming the
/// backend and the reason, and the server runs on in_memory. No RabbitMQ needed.
/// </summary>
public sealed class RabbitMqFallbackTests
{
    private static readonly BrokerBackend Rabbit = new(
        "rabbit",
        "rabbitmq",
        RabbitMqEventSinkOptions.UrlKey,
        "amqp://user:hunter2-secret@:notaport/x",
        "amqp://guest:guest@127.0.0.1:1/%2f");

    [Fact]
    public Task RabbitMq_backend_with_a_malformed_url_must_fall_back_to_in_memory_with_a_warning() =>
        BackendFallbackChecks.MalformedUrlFallsBackToInMemoryWithAWarning(Rabbit);

    [Fact]
    public Task RabbitMq_backend_must_fall_back_to_in_memory_when_it_is_not_compiled_in() =>
        BackendFallbackChecks.BackendNotCompiledInFallsBackToInMemory(Rabbit);

    [Fact]
    public Task RabbitMq_backend_must_combine_with_the_others_in_a_list() =>
        BackendFallbackChecks.BackendCombinesWithTheOthersInAList(Rabbit);
}
