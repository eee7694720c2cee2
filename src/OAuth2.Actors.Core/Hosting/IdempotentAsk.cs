using System.Diagnostics;

namespace OAuth2.Actors.Hosting;

/// <summary>
/// Ask for a question a sharded entity may safely be asked more than once (authenticate a client, read a record, record
/// a revocation that is already recorded). Sharding drops the messages it had buffered for a shard whose hand-off is
/// under way (a node leaving, a rebalance), and a rolling restart moves shards more than once; so while no answer has
/// come, the question is sent again every <see cref="RepeatEvery"/> (at most a quarter of the timeout), every copy
/// within the one timeout, and the first answer wins. A lost message costs a short delay, not a timed-out request; a
/// slow answer to an earlier copy still counts. Never for commands that would take effect twice.
/// </summary>
public static class IdempotentAsk
{
    public static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(2);

    public static async Task<T> AskRepeating<T>(this IActorRef actor, object message, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        var every = TimeSpan.FromTicks(Math.Min(timeout.Ticks / 4, RepeatEvery.Ticks));
        var asks = new List<Task<T>>(4);
        while (true)
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            if (asks.Count > 0 && left < every / 2)
            {
                // No time for another copy: the ones sent have the rest of the timeout.
                return await FirstAnswer(asks).ConfigureAwait(false);
            }

            asks.Add(actor.Ask<T>(message, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)));
            var repeat = Task.Delay(every < left ? every : left);
            while (true)
            {
                var done = await Task.WhenAny([.. asks, repeat]).ConfigureAwait(false);
                if (done == repeat)
                {
                    break;
                }

                var ask = (Task<T>)done;
                asks.Remove(ask);
                if (ask.IsCompletedSuccessfully || asks.Count == 0 || ask.Exception?.InnerException is not AskTimeoutException)
                {
                    return await ask.ConfigureAwait(false);
                }

                // This copy timed out (they all end with the timeout): another still pending decides.
            }
        }
    }

    /// <summary>The first answer among <paramref name="asks"/>; when none answers, the last one's failure.</summary>
    private static async Task<T> FirstAnswer<T>(List<Task<T>> asks)
    {
        while (true)
        {
            var ask = await Task.WhenAny(asks).ConfigureAwait(false);
            asks.Remove(ask);
            if (ask.IsCompletedSuccessfully || asks.Count == 0 || ask.Exception?.InnerException is not AskTimeoutException)
            {
                return await ask.ConfigureAwait(false);
            }
        }
    }
}
