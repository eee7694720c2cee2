using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Core.Tests;

/// <summary>AskRepeating against an entity that loses messages, as sharding does during a hand-off.</summary>
public sealed class IdempotentAskSpec : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>Loses the first <paramref name="lose"/> questions, answers the others (after <paramref name="delay"/>).</summary>
    private sealed class Lossy : ReceiveActor
    {
        public Lossy(int lose, TimeSpan delay)
        {
            var seen = 0;
            Receive<string>(question =>
            {
                if (++seen <= lose)
                {
                    return;
                }

                var (sender, copy) = (Sender, seen);
                Task.Delay(delay).ContinueWith(_ => sender.Tell($"{question}:{copy}"));
            });
        }
    }

    private IActorRef Entity(int lose, TimeSpan delay = default) => Sys.ActorOf(Props.Create(() => new Lossy(lose, delay)));

    [Fact]
    public async Task A_question_lost_twice_is_answered_within_the_timeout_by_a_later_copy()
    {
        var answer = await Entity(lose: 2).AskRepeating<string>("q", TimeSpan.FromSeconds(4));

        Assert.Equal("q:3", answer);
    }

    [Fact]
    public async Task A_slow_answer_to_the_first_copy_still_counts()
    {
        // The first copy is answered after 1.5 s, past the first repeat (1 s for a 4 s timeout): it wins over the second.
        var answer = await Entity(lose: 0, delay: TimeSpan.FromMilliseconds(1500)).AskRepeating<string>("q", TimeSpan.FromSeconds(4));

        Assert.Equal("q:1", answer);
    }

    [Fact]
    public async Task An_entity_that_never_answers_times_out_after_the_one_timeout()
    {
        var started = DateTime.UtcNow;

        await Assert.ThrowsAsync<AskTimeoutException>(() => Entity(lose: int.MaxValue).AskRepeating<string>("q", TimeSpan.FromSeconds(2)));

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(10));
    }
}
