using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The coordinated shutdown of a host built with WithEventActor drains the sinks before the actor system stops.</summary>
public sealed class EventShutdownDrainTests
{
    [Fact]
    public async Task Host_shutdown_must_deliver_every_event_a_slow_sink_still_holds_even_past_the_default_phase_timeout()
    {
        // 250 events at 25 ms each: about 6 s of work, longer than Akka's default 5 s phase timeout.
        const int count = 250;
        var slow = new SlowPlugin("slow", TimeSpan.FromMilliseconds(25));
        var host = StartHost(new EventSettings { ShutdownDrainTimeout = TimeSpan.FromSeconds(30) }, slow);
        await host.StartAsync();
        var events = host.Services.GetRequiredService<ActorRegistry>().Get<EventActor>();
        for (var i = 0; i < count; i++)
        {
            events.Tell(Envelope(EventType.TokenCreated, id: "shutdown-" + i));
        }

        await Eventually(() => Task.FromResult(slow.Delivered), delivered => delivered > 0);
        await host.StopAsync();
        host.Dispose();

        Assert.Equal(count, slow.Delivered);
    }

    [Fact]
    public async Task Host_shutdown_must_not_wait_for_the_sinks_when_the_drain_is_turned_off()
    {
        var slow = new SlowPlugin("slow", TimeSpan.FromMilliseconds(25));
        var host = StartHost(new EventSettings { ShutdownDrainTimeout = TimeSpan.Zero }, slow);
        await host.StartAsync();
        var events = host.Services.GetRequiredService<ActorRegistry>().Get<EventActor>();
        for (var i = 0; i < 250; i++)
        {
            events.Tell(Envelope(EventType.TokenCreated, id: "dropped-" + i));
        }

        await Eventually(() => Task.FromResult(slow.Delivered), delivered => delivered > 0);
        await host.StopAsync();
        host.Dispose();

        Assert.InRange(slow.Delivered, 1, 249);
    }

    private static IHost StartHost(EventSettings settings, IEventPlugin plugin)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAkka("drain-" + Guid.NewGuid().ToString("N")[..8], akka => akka
            .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
            .WithEventActor(settings, TimeProvider.System, [plugin]));
        return builder.Build();
    }

    /// <summary>Takes a fixed time per event, one at a time.</summary>
    private sealed class SlowPlugin(string name, TimeSpan perEvent) : IEventPlugin
    {
        private int _delivered;

        public int Delivered => Volatile.Read(ref _delivered);

        public string Name => name;

        public async Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
        {
            await Task.Delay(perEvent, CancellationToken.None);
            Interlocked.Increment(ref _delivered);
        }

        public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
