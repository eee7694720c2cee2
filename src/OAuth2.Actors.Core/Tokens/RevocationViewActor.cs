using Akka.Event;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// One per node, at <c>/user/revocation-view</c>: fills the node's <see cref="RevocationView"/>. At start it reads every
/// revocation bucket from its entity (page by page, asking again until each answered); it confirms the revocations
/// other nodes push before they answer a revoke; and every <see cref="PullInterval"/> it asks each bucket for what was
/// recorded since its last answer, which is how it catches up on pushes it missed (unreachable, or not yet a member).
/// </summary>
public sealed class RevocationViewActor : ReceiveActor, IWithTimers
{
    public const string Name = "revocation-view";

    /// <summary>How far behind a node that missed a push can be once it is reachable again.</summary>
    public static readonly TimeSpan PullInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly RevocationView _view;
    private readonly IActorRef _buckets;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Per bucket: the journal position read up to, and the pull under way (its page cursor and the position it will reach).
    private readonly long[] _readUpTo = new long[RevocationBuckets.Count];
    private readonly Dictionary<int, Pull> _pulls = new();
    private readonly HashSet<int> _notYetRead = Enumerable.Range(0, RevocationBuckets.Count).ToHashSet();

    public RevocationViewActor(RevocationView view, IActorRef buckets, TimeProvider time)
    {
        _view = view;
        _buckets = buckets;
        _time = time;

        Receive<CurrentRevocations>(Received);
        Receive<PushRevocation>(p =>
        {
            _view.Confirm(p.Key, p.ExpiresAtUnix);
            Sender.Tell(new RevocationPushed(p.Key));
        });
        Receive<Tick>(_ =>
        {
            // A pull whose answer did not come (a lost message, a bucket moving) is asked again.
            foreach (var (bucket, pull) in _pulls)
            {
                Ask(bucket, pull);
            }
        });
        Receive<PullTick>(_ =>
        {
            _view.Prune(_time.GetUtcNow().ToUnixTimeSeconds());
            for (var bucket = 0; bucket < RevocationBuckets.Count; bucket++)
            {
                if (!_pulls.ContainsKey(bucket))
                {
                    Start(bucket);
                }
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RevocationView view, IActorRef buckets, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new RevocationViewActor(view, buckets, time));

    protected override void PreStart()
    {
        for (var bucket = 0; bucket < RevocationBuckets.Count; bucket++)
        {
            Start(bucket);
        }

        Timers.StartPeriodicTimer("retry", Tick.Instance, RetryInterval);
        Timers.StartPeriodicTimer("pull", PullTick.Instance, PullInterval);
    }

    private void Start(int bucket)
    {
        var pull = new Pull(_readUpTo[bucket], null, null);
        _pulls[bucket] = pull;
        Ask(bucket, pull);
    }

    private void Ask(int bucket, Pull pull) => _buckets.Tell(new GetRevocations(bucket, pull.Since, pull.After));

    private void Received(CurrentRevocations page)
    {
        if (!_pulls.TryGetValue(page.Bucket, out var pull) || page.Since != pull.Since || page.After != pull.After)
        {
            return; // the answer to a request asked again meanwhile
        }

        foreach (var (key, expiresAt) in page.Entries)
        {
            _view.Confirm(key, expiresAt);
        }

        // The position of the first page: entries recorded while the later pages were read come in the next pull.
        var reaches = pull.Reaches ?? page.AsOf;
        if (page.NextAfter is { } next)
        {
            var following = new Pull(pull.Since, next, reaches);
            _pulls[page.Bucket] = following;
            Ask(page.Bucket, following);
            return;
        }

        _readUpTo[page.Bucket] = reaches;
        _pulls.Remove(page.Bucket);
        if (_notYetRead.Remove(page.Bucket) && _notYetRead.Count == 0)
        {
            _view.MarkLoaded();
            _log.Info("Revocations loaded: {Count} in force", _view.Count);
        }
    }

    private sealed record Pull(long Since, string? After, long? Reaches);

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed record PullTick : INoSerializationVerificationNeeded
    {
        public static readonly PullTick Instance = new();
    }
}
