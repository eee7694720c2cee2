using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Persistence;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// One bucket of the revocation list (revoked access-token jtis until they expire), a sharded persistent entity.
/// The journal makes revocations survive restarts; Distributed Data carries each new one to the token actors of
/// every node, so introspection itself never touches the journal.
/// </summary>
public sealed class RevocationActor : ReceivePersistentActor, IWithTimers
{
    public static readonly LWWDictionaryKey<string, long> ReplicatedKey = new("revoked-access-tokens");

    // Shorter than the sharding passivation timeout, so even a mostly idle bucket purges.
    private const int SnapshotEvery = 500;

    private readonly int _bucket;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, long> _revoked = new(StringComparer.Ordinal);
    private readonly IActorRef _replicator;
    private readonly Cluster _cluster;

    public RevocationActor(int bucket, TimeProvider time)
    {
        _bucket = bucket;
        _time = time;
        _replicator = DistributedData.Get(Context.System).Replicator;
        _cluster = Cluster.Get(Context.System);

        Recover<TokenRevocationRecorded>(e => _revoked[e.Jti] = e.ExpiresAtUnix);
        Recover<RevocationsPurged>(e => Purge(e.Before));
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is Dictionary<string, long> entries)
            {
                foreach (var (jti, exp) in entries)
                {
                    _revoked[jti] = exp;
                }
            }
        });

        Command<RecordRevocation>(Record);
        Command<GetRevocations>(_ => Sender.Tell(new CurrentRevocations(_bucket, new Dictionary<string, long>(_revoked))));
        Command<PurgeTick>(_ => PurgeExpired());
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Revocation bucket {Bucket}: snapshot failed", _bucket));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Revocation bucket {Bucket}: journal cleanup failed", _bucket));
        Command<UpdateSuccess>(s =>
        {
            if (s.Request is PendingReply pending)
            {
                pending.ReplyTo.Tell(pending.Reply);
            }
        });
        Command<IUpdateFailure>(f =>
        {
            // Not every node acknowledged in time: the revocation is journaled and spreads by gossip; answer anyway.
            _log.Warning("Revocation bucket {Bucket}: not every node acknowledged a revocation in time ({Failure})", _bucket, f.GetType().Name);
            if (f.Request is PendingReply pending)
            {
                pending.ReplyTo.Tell(pending.Reply);
            }
        });
        Command<IUpdateResponse>(r => _log.Debug("Revocation bucket {Bucket}: replication answered {Response}", _bucket, r));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => $"token-revocations-{_bucket}";

    public static Props Props(int bucket, TimeProvider time) => Akka.Actor.Props.Create(() => new RevocationActor(bucket, time));

    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("purge", PurgeTick.Instance, TimeSpan.FromMinutes(1));
    }

    protected override void OnReplaySuccess()
    {
        base.OnReplaySuccess();

        // Expired entries leave memory now (before any query) and Distributed Data too, where an earlier
        // incarnation of this bucket may have left them; the journal forgets them at the next purge snapshot.
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var expired = _revoked.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToArray();
        if (expired.Length > 0)
        {
            Purge(now);
            _replicator.Tell(Dsl.Update(
                ReplicatedKey,
                LWWDictionary<string, long>.Empty,
                WriteLocal.Instance,
                d => expired.Aggregate(d, (acc, jti) => acc.Remove(_cluster, jti))));
        }
    }

    private void Record(RecordRevocation command)
    {
        var replyTo = Sender;
        if (_revoked.ContainsKey(command.Jti))
        {
            replyTo.Tell(new RevocationRecorded(command.Jti, command.ExpiresAtUnix));
            return;
        }

        Persist(new TokenRevocationRecorded(command.Jti, command.ExpiresAtUnix, command.ClientId), e =>
        {
            _revoked[e.Jti] = e.ExpiresAtUnix;
            // Reaching every node's replica before answering is what makes the revocation immediate cluster-wide;
            // if a node is unreachable the write still lands locally and spreads by gossip.
            _replicator.Tell(Dsl.Update(
                ReplicatedKey,
                LWWDictionary<string, long>.Empty,
                new WriteAll(TimeSpan.FromSeconds(3)),
                new PendingReply(replyTo, new RevocationRecorded(e.Jti, e.ExpiresAtUnix)),
                d => d.SetItem(_cluster, e.Jti, e.ExpiresAtUnix)));
            if (LastSequenceNr % SnapshotEvery == 0)
            {
                SaveSnapshot(new Dictionary<string, long>(_revoked));
            }
        });
    }

    private void PurgeExpired()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var expired = _revoked.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToArray();
        if (expired.Length == 0)
        {
            return;
        }

        Persist(new RevocationsPurged(now), e =>
        {
            Purge(e.Before);
            _replicator.Tell(Dsl.Update(
                ReplicatedKey,
                LWWDictionary<string, long>.Empty,
                WriteLocal.Instance,
                d => expired.Aggregate(d, (acc, jti) => acc.Remove(_cluster, jti))));
            SaveSnapshot(new Dictionary<string, long>(_revoked));
        });
    }

    private void Purge(long before)
    {
        foreach (var jti in _revoked.Where(kv => kv.Value <= before).Select(kv => kv.Key).ToArray())
        {
            _revoked.Remove(jti);
        }
    }

    private sealed record PendingReply(IActorRef ReplyTo, object Reply);

    private sealed record PurgeTick
    {
        public static readonly PurgeTick Instance = new();
    }
}
