namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// A redis-server of the test class's own (not the shared CI one: these tests stop it), started on first use and
/// stopped with the class. Each test gets a stream of its own.
/// </summary>
public sealed class OwnRedisFixture : IAsyncLifetime
{
    private RedisProcess? _redis;

    /// <summary>The running Redis (started now if needed: a missing redis-server skips the test, fails it in CI).</summary>
    public async Task<RedisProcess> Redis()
    {
        _redis ??= await RedisProcess.StartNew();
        await _redis.Start();
        return _redis;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    /// <summary>The settings of a server whose only durable sink is Redis, on <paramref name="stream"/>.</summary>
    public static Dictionary<string, string> RedisSink(RedisProcess redis, string stream) => new()
    {
        ["OAUTH2_EVENTS_BACKEND"] = "redis",
        [RedisEventSinkOptions.UrlKey] = redis.Url,
        ["OAUTH2_EVENTS_REDIS_STREAM"] = stream,
    };
}
