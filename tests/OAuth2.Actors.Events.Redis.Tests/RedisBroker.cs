using System.Text.Json;
using OAuth2.Actors.Events.Tests.Support;
using StackExchange.Redis;
using Xunit;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>The Redis the tests use (OAUTH2_TEST_REDIS_URL, set by .ci/services/redis.sh) and an independent client for it.</summary>
public static class RedisBroker
{
    public const string UrlVariable = "OAUTH2_TEST_REDIS_URL";
    public const string Script = ".ci/services/redis.sh";

    /// <summary>The URL, or a skip (a failure in CI) saying how to get a Redis.</summary>
    public static string Url() => BrokerEnvironment.Require(UrlVariable, "Redis", Script);

    public static ServiceScript Service() => ServiceScript.Require("OAUTH2_TEST_REDIS_SERVICE", "OAUTH2_TEST_REDIS_CI_WORK", "Redis", Script);

    /// <summary>A connection of the test's own, independent of the sink's.</summary>
    public static async Task<ConnectionMultiplexer> Connect(string url)
    {
        Assert.True(RedisUrl.TryParse(url, out var configuration, out var problem), problem);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 3000;
        return await ConnectionMultiplexer.ConnectAsync(configuration);
    }

    public static string UniqueStream(string test) => $"oauth2:test:{test}:{Guid.NewGuid():N}";

    /// <summary>Every entry of <paramref name="stream"/> (XRANGE - +).</summary>
    public static async Task<IReadOnlyList<StreamEntry>> ReadAll(IDatabase database, string stream) =>
        await database.StreamRangeAsync(stream, "-", "+");

    /// <summary>Polls XRANGE until <paramref name="done"/> holds for the entries read.</summary>
    public static async Task<IReadOnlyList<StreamEntry>> WaitFor(IDatabase database, string stream, Func<IReadOnlyList<StreamEntry>, bool> done, TimeSpan within, string what)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        IReadOnlyList<StreamEntry> entries = [];
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                entries = await ReadAll(database, stream);
                if (done(entries))
                {
                    return entries;
                }
            }
            catch (RedisConnectionException)
            {
                // The test's own connection may still be reconnecting after a restart.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Stream {stream}: {what} not seen within {within}; {entries.Count} entries: {string.Join("\n", entries.Take(20).Select(Describe))}");
        return entries;
    }

    /// <summary>Deletes the test's stream; a connection still reconnecting after a restart is not worth failing a test for.</summary>
    public static async Task TryDelete(IDatabase database, string stream)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                await database.KeyDeleteAsync(stream);
                return;
            }
            catch (RedisException)
            {
                await Task.Delay(100);
            }
        }
    }

    public static string Field(this StreamEntry entry, string name)
    {
        var value = entry[name];
        Assert.False(value.IsNull, $"entry {entry.Id} has no field {name}");
        return value.ToString();
    }

    public static JsonElement Payload(this StreamEntry entry) => JsonDocument.Parse(entry.Field("payload")).RootElement.Clone();

    public static string Describe(StreamEntry entry) => $"{entry.Id}: " + string.Join(" ", entry.Values.Select(v => $"{v.Name}={v.Value}"));
}
