using OAuth2.Actors.Events.Tests.Support;
using Xunit;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The seed's fallback rule for redis: a malformed URL or a build without the backend is warned about, naming the
/// backend and the reason, and the server runs on in_memory. No Redis needed.
/// </summary>
public sealed class RedisFallbackTests
{
    private static readonly BrokerBackend Redis = new(
        "redis",
        "redis_streams",
        RedisEventSinkOptions.UrlKey,
        "redis://user:hunter2-secret@:notaport/x",
        "redis://127.0.0.1:1");

    [Fact]
    public Task Redis_backend_with_a_malformed_url_must_fall_back_to_in_memory_with_a_warning() =>
        BackendFallbackChecks.MalformedUrlFallsBackToInMemoryWithAWarning(Redis);

    [Fact]
    public Task Redis_backend_must_fall_back_to_in_memory_when_it_is_not_compiled_in() =>
        BackendFallbackChecks.BackendNotCompiledInFallsBackToInMemory(Redis);

    [Fact]
    public Task Redis_backend_must_combine_with_the_others_in_a_list() =>
        BackendFallbackChecks.BackendCombinesWithTheOthersInAList(Redis);
}
