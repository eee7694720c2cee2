using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests;

/// <summary>A stopping node finishes its requests before it leaves the cluster (RequestDrain).</summary>
public sealed class RequestDrainTests
{
    [Fact]
    public async Task Drain_waits_for_the_requests_in_flight_to_end()
    {
        var drain = new RequestDrain();
        drain.Started();
        drain.Started();

        var drained = drain.Drain(TimeSpan.FromSeconds(30));
        Assert.True(drain.Draining);
        drain.Ended();
        Assert.False(drained.IsCompleted);
        drain.Ended();

        Assert.True(await drained);
    }

    [Fact]
    public async Task Drain_with_nothing_in_flight_ends_at_once_and_one_that_never_ends_gives_up_after_its_time()
    {
        Assert.True(await new RequestDrain().Drain(TimeSpan.FromMinutes(5)));

        var stuck = new RequestDrain();
        stuck.Started();
        Assert.False(await stuck.Drain(TimeSpan.FromMilliseconds(50)));
    }
}
