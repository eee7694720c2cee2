namespace OAuth2.Actors.Hosting;

/// <summary>
/// Ask for a question a sharded entity may safely be asked twice (authenticate a client, read a record, record a
/// revocation that is already recorded): when no answer has come after a first share of the timeout (at most 2 s), it
/// is sent again for the rest of it. Sharding drops the messages it had buffered for a shard whose hand-off is under
/// way (a node leaving, a rebalance); this turns such a loss into a short delay instead of a timed-out request. Never
/// for commands that would take effect twice.
/// </summary>
public static class IdempotentAsk
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public static async Task<T> AskTwice<T>(this IActorRef actor, object message, TimeSpan timeout)
    {
        var first = TimeSpan.FromTicks(Math.Min(timeout.Ticks / 2, RetryAfter.Ticks));
        try
        {
            return await actor.Ask<T>(message, first);
        }
        catch (AskTimeoutException)
        {
            return await actor.Ask<T>(message, timeout - first);
        }
    }
}
