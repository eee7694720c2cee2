using Akka.DistributedData;
using Akka.Event;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// One per node, at <c>/user/revocation-view</c>: fills the node's <see cref="RevocationView"/>. At start it reads every
/// revocation bucket from its entity (page by page, retrying until all answered), then keeps the view current with the
/// revocations other nodes push before they answer a revoke (confirming each) and with Distributed Data.
/// </summary>
public sealed class RevocationViewActor : ReceiveActor, IWithTimers
{
    public const string Name = "revocation-view";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly RevocationView _view;
    private readonly IActorRef _buckets;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<int, int> _pendingFrom = Enumerable.Range(0, RevocationBuckets.Count).ToDictionary(b => b, _ => 0);

    public RevocationViewActor(RevocationView view, IActorRef buckets, TimeProvider time)
    {
        _view = view;
        _buckets = buckets;
        _time = time;

        Receive<CurrentRevocations>(Loaded);
        Receive<PushRevocation>(p =>
        {
            _view.Confirm(p.Key, p.ExpiresAtUnix);
            Sender.Tell(new RevocationPushed(p.Key));
        });
        Receive<Changed>(c =>
        {
            if (c.Key is LWWDictionaryKey<string, long> key)
            {
                _view.Replicated(key, c.Get(key));
            }
        });
        Receive<Tick>(_ =>
        {
            if (_view.IsLoaded)
            {
                _view.Prune(_time.GetUtcNow().ToUnixTimeSeconds());
            }
            else
            {
                RequestPending();
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RevocationView view, IActorRef buckets, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new RevocationViewActor(view, buckets, time));

    protected override void PreStart()
    {
        var replicator = DistributedData.Get(Context.System).Replicator;
        foreach (var key in RevocationView.ReplicatedKeys)
        {
            replicator.Tell(Dsl.Subscribe(key, Self));
        }

        RequestPending();
        Timers.StartPeriodicTimer("tick", Tick.Instance, RetryInterval);
    }

    private void RequestPending()
    {
        foreach (var (bucket, from) in _pendingFrom)
        {
            _buckets.Tell(new GetRevocations(bucket, from));
        }
    }

    private void Loaded(CurrentRevocations page)
    {
        if (!_pendingFrom.TryGetValue(page.Bucket, out var expected) || page.From != expected)
        {
            return; // a repeated answer to a request retried meanwhile
        }

        foreach (var (key, expiresAt) in page.Entries)
        {
            _view.Confirm(key, expiresAt);
        }

        if (page.NextFrom is { } next)
        {
            _pendingFrom[page.Bucket] = next;
            _buckets.Tell(new GetRevocations(page.Bucket, next));
            return;
        }

        _pendingFrom.Remove(page.Bucket);
        if (_pendingFrom.Count == 0)
        {
            _view.MarkLoaded();
            Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMinutes(1));
            _log.Info("Revocations loaded: {Count} in force", _view.ConfirmedCount);
        }
    }

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }
}
