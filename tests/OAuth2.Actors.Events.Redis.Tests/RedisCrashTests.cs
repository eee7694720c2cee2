using System.Diagnostics;
using Xunit.Abstractions;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The durable log across a crash, with real processes: the server (its own process, on SQLite or PostgreSQL) writes to a
/// Redis that is down while 50,000 tokens are issued over HTTP; the server is killed with kill -9 and started again on the
/// same database, Redis comes back, and an independent consumer reads the stream: the token_created event of every one of
/// the 50,000 tokens is there (by its jti; redelivered duplicates allowed).
/// </summary>
public sealed class RedisCrashTests(OwnRedisFixture fixture, ITestOutputHelper output) : IClassFixture<OwnRedisFixture>
{
    private const int Tokens = 50_000;
    private const int Parallelism = 64;

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Every_answered_token_must_reach_redis_after_kill_9_while_redis_was_down(string database)
    {
        var redis = await fixture.Redis();
        var stream = $"oauth2:crash:{database}:{Guid.NewGuid():N}";
        await using var server = await ServerProcess.On(database, OwnRedisFixture.RedisSink(redis, stream));
        var total = Stopwatch.StartNew();
        await server.Start();
        var client = await server.RegisterClient("crash-load");

        // The sink's destination goes away before the first of the 50,000.
        await redis.Stop();
        var issuing = Stopwatch.StartNew();
        var answered = await TokenLoad.Issue(server, client, Tokens, Parallelism);
        issuing.Stop();
        Assert.Equal(Tokens, answered.Select(t => t.Jti).Distinct().Count());

        // kill -9 once the log writer holds nothing it has not appended: what a kill loses before that is the crash
        // window, measured by CrashWindowTests; this test is about what happens to the events the log has.
        var drain = Stopwatch.StartNew();
        await Eventually.Until(() => NothingPending(server), "the log writer to append what it holds", TimeSpan.FromSeconds(30));
        drain.Stop();
        await server.Kill();

        var restart = Stopwatch.StartNew();
        await server.Start();
        restart.Stop();
        await redis.Start();
        var delivery = Stopwatch.StartNew();
        await using var consumer = await TokenEventStream.Connect(redis, stream);
        var jtis = answered.Select(t => t.Jti).ToArray();
        var all = await consumer.WaitForAll(jtis, TimeSpan.FromSeconds(120));
        delivery.Stop();

        var missing = consumer.Missing(jtis);
        output.WriteLine(
            $"{database}: {Tokens} tokens in {issuing.Elapsed.TotalSeconds:0.0} s ({Tokens / issuing.Elapsed.TotalSeconds:0} /s, {Parallelism} in flight) " +
            $"with Redis down; log writer drained {drain.Elapsed.TotalMilliseconds:0} ms after the last answer; restart after kill -9 {restart.Elapsed.TotalSeconds:0.0} s; Redis back: " +
            $"{Tokens - missing.Count} of {Tokens} token_created events on the stream after {delivery.Elapsed.TotalSeconds:0.0} s " +
            $"({consumer.Entries} entries read, {consumer.Duplicates} duplicates); whole test {total.Elapsed.TotalSeconds:0} s");
        Assert.True(all, $"{missing.Count} of {Tokens} tokens answered before the kill have no token_created event on the stream (e.g. jti {string.Join(", ", missing.Take(3))})\n{server.Log()}");
    }

    /// <summary>
    /// True when /events/health says the log writer holds nothing and, half a second later, has appended nothing more
    /// (its pending count leaves out the batch being committed, whose commit would move the appended count).
    /// </summary>
    private static async Task<bool> NothingPending(ServerProcess server)
    {
        var first = await WriterCounts(server);
        await Task.Delay(500);
        var second = await WriterCounts(server);
        return first is { Pending: 0 } && second is { Pending: 0 } && first.Value.Appended == second.Value.Appended;
    }

    private static async Task<(long Pending, long Appended)?> WriterCounts(ServerProcess server)
    {
        var (status, body) = await server.GetJson("/events/health");
        return status == HttpStatusCode.OK && body is { } json && json.TryGetProperty("log", out var log)
            && log.GetProperty("pending").ValueKind == JsonValueKind.Number
            ? (log.GetProperty("pending").GetInt64(), log.GetProperty("appended").GetInt64())
            : null;
    }
}
