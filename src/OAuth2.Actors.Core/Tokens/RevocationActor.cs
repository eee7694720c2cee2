using Akka.Event;
using Akka.Persistence;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// One bucket of the revocation list (revoked access-token jtis and client, grant or user keys, until the tokens they
/// cover expire), a sharded persistent entity. The journal makes revocations survive restarts. A new revocation is
/// pushed to every node's <see cref="RevocationViewActor"/> and confirmed before the revoke is answered (at most
/// <see cref="PushTimeout"/>, so an unreachable node costs a revoke well under a second, not a failure). Each view also
/// asks every bucket, every few seconds, for what was recorded since it last asked (by journal position): that is how
/// a node that could not confirm, or joins later, gets every revocation. Introspection never touches the journal.
/// </summary>
/// <remarks>
/// Distributed Data carried revocations before: its gossip sends (gzip-compressed) full states of the keys that differ,
/// which under a steady stream of revocations cost each node about 40% of its CPU at 100,000 revocations in force.
/// </remarks>
public sealed class RevocationActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>
    /// How long a revoke waits for the nodes to confirm; a node that has not by then learns it by gossip. With the
    /// journal write before it, a revoke answers within a second even while a node is unreachable.
    /// </summary>
    public static readonly TimeSpan PushTimeout = TimeSpan.FromMilliseconds(600);

    // Shorter than the sharding passivation timeout, so even a mostly idle bucket purges.
    private const int SnapshotEvery = 500;

    private readonly int _bucket;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, long> _revoked = new(StringComparer.Ordinal);

    // The journal position at which each entry was recorded (a snapshot's position for what came from a snapshot).
    private readonly Dictionary<string, long> _recordedAt = new(StringComparer.Ordinal);

    public RevocationActor(int bucket, TimeProvider time)
    {
        _bucket = bucket;
        _time = time;

        Recover<TokenRevocationRecorded>(e => Add(e.Jti, e.ExpiresAtUnix, LastSequenceNr));
        Recover<RevocationsPurged>(e => Purge(e.Before));
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is Dictionary<string, long> entries)
            {
                foreach (var (jti, exp) in entries)
                {
                    Add(jti, exp, offer.Metadata.SequenceNr);
                }
            }
        });

        Command<StopEntity>(_ => Context.Stop(Self)); // the shard's hand-off and passivation message
        Command<RecordRevocation>(Record);
        Command<GetRevocations>(g => Sender.Tell(Page(g)));
        Command<PurgeTick>(_ => PurgeExpired());
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Revocation bucket {Bucket}: snapshot failed", _bucket));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Revocation bucket {Bucket}: journal cleanup failed", _bucket));
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
        }
    }

    /// <summary>The entries recorded after <c>Since</c>, in key order after <c>After</c>, one page at a time.</summary>
    private CurrentRevocations Page(GetRevocations request)
    {
        var page = _revoked
            .Where(kv => _recordedAt[kv.Key] > request.Since && (request.After is null || string.CompareOrdinal(kv.Key, request.After) > 0))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(GetRevocations.PageSize + 1)
            .ToList();
        var more = page.Count > GetRevocations.PageSize;
        var entries = page.Take(GetRevocations.PageSize).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new CurrentRevocations(_bucket, request.Since, request.After, entries, more ? page[GetRevocations.PageSize - 1].Key : null, LastSequenceNr);
    }

    private void Add(string key, long expiresAtUnix, long recordedAt)
    {
        // A key's expiry only moves later, whatever order two recordings of it were written in.
        _revoked[key] = _revoked.TryGetValue(key, out var existing) ? Math.Max(existing, expiresAtUnix) : expiresAtUnix;
        _recordedAt[key] = recordedAt;
    }

    private void Record(RecordRevocation command)
    {
        var replyTo = Sender;
        // Recorded already (a repeated ask), or a key's later cut-off recorded already: nothing to write.
        if (_revoked.TryGetValue(command.Jti, out var recorded) && recorded >= command.ExpiresAtUnix)
        {
            replyTo.Tell(new RevocationRecorded(command.Jti, command.ExpiresAtUnix));
            return;
        }

        // PersistAsync: the bucket goes on taking revocations while the journal writes earlier ones (it batches them),
        // instead of one write at a time; each is still answered only once it is journaled (and pushed).
        PersistAsync(new TokenRevocationRecorded(command.Jti, command.ExpiresAtUnix, command.ClientId), e =>
        {
            Add(e.Jti, e.ExpiresAtUnix, LastSequenceNr);

            // The views' pulls bring it to every node in time (and to nodes that join later); the push below is what
            // makes it immediate: each reachable node has it in its view by the time the revoke is answered.
            var system = Context.System;
            var log = _log;
            EveryMember.AskAll<RevocationPushed>(system, RevocationViewActor.Name, new PushRevocation(e.Jti, e.ExpiresAtUnix), PushTimeout)
                .ContinueWith(t =>
                {
                    EveryMember.WarnMissing(log, t.IsCompletedSuccessfully ? t.Result : [], "a revocation (they get it at their next pull, within seconds)", PushTimeout);
                    replyTo.Tell(new RevocationRecorded(e.Jti, e.ExpiresAtUnix));
                }, TaskScheduler.Default);
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
            SaveSnapshot(new Dictionary<string, long>(_revoked));
        });
    }

    private void Purge(long before)
    {
        foreach (var jti in _revoked.Where(kv => kv.Value <= before).Select(kv => kv.Key).ToArray())
        {
            _revoked.Remove(jti);
            _recordedAt.Remove(jti);
        }
    }

    private sealed record PurgeTick : INoSerializationVerificationNeeded
    {
        public static readonly PurgeTick Instance = new();
    }
}
