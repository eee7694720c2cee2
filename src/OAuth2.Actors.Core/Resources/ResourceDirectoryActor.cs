using Akka.Event;

namespace OAuth2.Actors.Resources;

/// <summary>
/// One per node, at <c>/user/resource-directory</c>: fills the node's <see cref="ResourceDirectory"/> from the registry
/// at start, takes every change the registry pushes (and confirms it), and pulls every <see cref="PullInterval"/> what a
/// push may have missed while this node was unreachable.
/// </summary>
public sealed class ResourceDirectoryActor : ReceiveActor, IWithTimers
{
    public const string Name = "resource-directory";

    public static readonly TimeSpan PullInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstPullRetry = TimeSpan.FromSeconds(1);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ResourceDirectoryActor(ResourceDirectory directory, IActorRef registry, TimeSpan askTimeout)
    {
        Receive<PushResourceServers>(p =>
        {
            directory.Apply(p.Current);
            Sender.Tell(new ResourceServersPushed(p.Current.Version));
        });
        Receive<Pull>(_ =>
            registry.Ask<CurrentResourceServers>(GetResourceServers.Instance, askTimeout).PipeTo(Self, failure: e => new PullFailed(e)));
        Receive<CurrentResourceServers>(current =>
        {
            directory.Apply(current);
            Timers.StartPeriodicTimer(nameof(Pull), Pull.Instance, PullInterval);
        });
        Receive<PullFailed>(f =>
        {
            if (directory.Snapshot is null)
            {
                _log.Warning("Could not read the registered resource servers yet ({Cause}); retrying", f.Cause.Message);
                Timers.StartSingleTimer(nameof(Pull), Pull.Instance, FirstPullRetry);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ResourceDirectory directory, IActorRef registry, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new ResourceDirectoryActor(directory, registry, askTimeout));

    protected override void PreStart() => Self.Tell(Pull.Instance);

    private sealed record Pull : INoSerializationVerificationNeeded
    {
        public static readonly Pull Instance = new();
    }

    private sealed record PullFailed(Exception Cause) : INoSerializationVerificationNeeded;
}
