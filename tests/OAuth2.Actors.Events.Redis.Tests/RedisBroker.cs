using StackExchange.Redis;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>The Redis the tests use (OAUTH2_TEST_REDIS_URL, set by .ci/services/redis.sh) and an independent client for it.</summary>
public static class RedisBroker
{
    public static readonly BrokerService Broker = new("Redis", "REDIS", ".ci/services/redis.sh");

    /// <summary>The redis backend as the fallback tests see it.</summary>
    public static readonly BrokerBackend Backend = BrokerBackend.For<RedisEventSinkOptions>(
        "redis_streams",
        RedisEventSinkOptions.UrlKey,
        "redis://user:hunter2-secret@:notaport/x",
        "redis://127.0.0.1:1");

    /// <summary>The settings of a server whose <paramref name="backends"/> write to <paramref name="stream"/>.</summary>
    public static Dictionary<string, string?> Settings(string backends, string url, string stream) => new()
    {
        ["OAUTH2_EVENTS_BACKEND"] = backends,
        [RedisEventSinkOptions.UrlKey] = url,
        ["OAUTH2_EVENTS_REDIS_STREAM"] = stream,
    };

    /// <summary>
    /// Runs <paramref name="test"/> with the Redis URL, a stream of its own (deleted afterwards) and a connection of the
    /// test's own, independent of the sink's.
    /// </summary>
    public static async Task WithStream(string name, Func<string, string, IDatabase, Task> test)
    {
        var url = Broker.Url();
        var stream = $"oauth2:test:{name}:{Guid.NewGuid():N}";
        Assert.True(RedisUrl.TryParse(url, out var configuration, out var problem), problem);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 3000;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        var database = redis.GetDatabase();
        try
        {
            await test(url, stream, database);
        }
        finally
        {
            await TryDelete(database, stream);
        }
    }

    /// <summary>Every entry of <paramref name="stream"/> (XRANGE - +).</summary>
    public static async Task<IReadOnlyList<StreamEntry>> ReadAll(IDatabase database, string stream) =>
        await database.StreamRangeAsync(stream, "-", "+");

    /// <summary>Reads the stream until <paramref name="done"/> holds for its entries, or fails after <paramref name="within"/>.</summary>
    public static async Task<IReadOnlyList<StreamEntry>> WaitFor(IDatabase database, string stream, Func<IReadOnlyList<StreamEntry>, bool> done, TimeSpan within, string what) =>
        (await Eventually.Until<IReadOnlyList<StreamEntry>?>(
            async () =>
            {
                try
                {
                    return await ReadAll(database, stream);
                }
                catch (RedisConnectionException)
                {
                    // The test's own connection may still be reconnecting after a restart.
                    return null;
                }
            },
            entries => entries is not null && done(entries),
            $"stream {stream}: {what}",
            within))!;

    /// <summary>True when <paramref name="entries"/> hold a <paramref name="type"/> event for each correlation id.</summary>
    public static bool HasAll(this IReadOnlyList<StreamEntry> entries, string type, IEnumerable<string> correlationIds) =>
        correlationIds.All(c => entries.Any(e => e["correlation_id"] == c && e["event_type"] == type));

    public static string Field(this StreamEntry entry, string name)
    {
        var value = entry[name];
        Assert.False(value.IsNull, $"entry {entry.Id} has no field {name}");
        return value.ToString();
    }

    public static JsonElement Payload(this StreamEntry entry) => JsonDocument.Parse(entry.Field("payload")).RootElement.Clone();

    /// <summary>Deletes the test's stream; a connection still reconnecting after a restart is not worth failing a test for.</summary>
    private static async Task TryDelete(IDatabase database, string stream)
    {
        try
        {
            await Eventually.Until(
                async () =>
                {
                    try
                    {
                        await database.KeyDeleteAsync(stream);
                        return true;
                    }
                    catch (RedisException)
                    {
                        return false;
                    }
                },
                $"deleting {stream}",
                TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Cleanup only.
        }
    }
}
