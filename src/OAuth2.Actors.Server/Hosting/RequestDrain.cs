using Akka;
using Akka.Actor;
using Akka.Hosting;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The HTTP requests this node is serving, so that it finishes them before it leaves the cluster. A node told to stop
/// (SIGTERM, a rolling restart) runs Akka's coordinated shutdown, which hands its shards to the other nodes and stops
/// remoting; a request still waiting on an entity then never gets its answer and times out (503). The first phase of
/// that shutdown (<c>before-service-unbind</c>) therefore waits until no request is in flight, at most the request
/// timeout and a grace: the balancer has taken the node out by then (<c>/ready</c> answers 503 while it drains), so
/// only the requests already under way are waited for.
/// </summary>
public sealed class RequestDrain
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _draining = new();
    private int _inFlight;
    private TaskCompletionSource? _idle;

    /// <summary>True once the node has begun to stop: <c>/ready</c> answers 503 from then on.</summary>
    public bool Draining { get; private set; }

    /// <summary>Cancelled when the node begins to drain: requests that would never end by themselves (event streams) end then.</summary>
    public CancellationToken DrainStarted => _draining.Token;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Ended()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            lock (_lock)
            {
                _idle?.TrySetResult();
            }
        }
    }

    /// <summary>Marks the node as draining and waits until no request is in flight, or <paramref name="within"/> has passed.</summary>
    public async Task<bool> Drain(TimeSpan within)
    {
        Task idle;
        _draining.Cancel();
        lock (_lock)
        {
            Draining = true;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (InFlight == 0)
            {
                _idle.TrySetResult();
            }

            idle = _idle.Task;
        }

        return await Task.WhenAny(idle, Task.Delay(within)).ConfigureAwait(false) == idle;
    }
}

public static class RequestDrainHosting
{
    /// <summary>The coordinated-shutdown task's name (in <see cref="CoordinatedShutdown.PhaseBeforeServiceUnbind"/>).</summary>
    public const string TaskName = "oauth2-drain-requests";

    /// <summary>Counts every request, before anything else runs (a 503 from a later step is a request too).</summary>
    public static IApplicationBuilder UseRequestDrain(this IApplicationBuilder app)
    {
        var drain = app.ApplicationServices.GetRequiredService<RequestDrain>();
        return app.Use(async (context, next) =>
        {
            drain.Started();
            try
            {
                await next(context);
            }
            finally
            {
                drain.Ended();
            }
        });
    }

    /// <summary>
    /// Waits for the requests in flight at the start of the coordinated shutdown, at most the request timeout and 2 s
    /// (the phase's own timeout is set to that too, so Akka does not cut the wait short).
    /// </summary>
    public static AkkaConfigurationBuilder WithRequestDrain(this AkkaConfigurationBuilder builder, RequestDrain drain, TimeSpan requestTimeout, ILogger logger)
    {
        var within = requestTimeout + TimeSpan.FromSeconds(2);
        var seconds = (int)Math.Ceiling(within.TotalSeconds) + 1;
        return builder
            .AddHocon($"akka.coordinated-shutdown.phases.before-service-unbind.timeout = {seconds}s", HoconAddMode.Prepend)
            .AddStartup((system, _) => CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, TaskName, async () =>
            {
                var waiting = drain.InFlight;
                if (!await drain.Drain(within).ConfigureAwait(false))
                {
                    RequestDrainLog.NotDrained(logger, drain.InFlight, within.TotalSeconds);
                }
                else if (waiting > 0)
                {
                    RequestDrainLog.Drained(logger, waiting);
                }

                return Done.Instance;
            }));
    }
}

internal static partial class RequestDrainLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: the {Requests} request(s) in flight finished before the node left the cluster")]
    public static partial void Drained(ILogger logger, int requests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Requests} request(s) still in flight after {Seconds} s; the node leaves the cluster anyway")]
    public static partial void NotDrained(ILogger logger, int requests, double seconds);
}
