using Akka.Event;
using Akka.Persistence;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// The cluster's signing keys, one sharded entity per key name and the one place their state lives: it makes the first
/// key (or takes the one of OAUTH2_SIGNING_KEY_FILE), adds the next one on schedule (OAUTH2_SIGNING_KEY_ROTATION_DAYS)
/// or on demand, each published a lead (OAUTH2_SIGNING_KEY_LEAD_SECONDS) before it signs, and keeps them in the journal,
/// encrypted with the key-encryption key when one is configured. Every node's <see cref="SigningKeyViewActor"/> reads
/// them from here; a new key is pushed to every node before a rotation is answered.
/// </summary>
/// <remarks>
/// Keys stored before a KEK was configured (and the one-key events of earlier versions) are rewritten at recovery: a
/// snapshot of the keys, encrypted, then the earlier events are deleted, so no clear key stays in the journal. Keys
/// stored with a KEK this node does not hold make the entity refuse every request with <see cref="SigningKeysUnavailable"/>,
/// which the host reports at start.
/// </remarks>
public sealed class SigningKeyActor : ReceivePersistentActor, IWithTimers
{
    public static readonly TimeSpan DefaultCheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(5);

    private readonly string _name;
    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly TimeSpan _checkInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<SigningKeyEntry> _keys = [];
    private bool _rewrite;
    private (string Pem, string KeyId)? _fileKey;
    private string? _problem;

    public SigningKeyActor(string name, ServerSettings settings, TimeProvider time, TimeSpan? checkInterval = null)
    {
        _name = name;
        _settings = settings;
        _time = time;
        _checkInterval = checkInterval ?? DefaultCheckInterval;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is SigningKeySnapshot snapshot)
            {
                _keys.Clear();
                _keys.AddRange(snapshot.Keys);
            }
        });
        Recover<SigningKeyAdded>(e => _keys.Add(e.Key));
        Recover<SigningKeysRewritten>(_ => { });
        Recover<SigningKeyGenerated>(e =>
        {
            // Earlier versions kept one key and no schedule: it signs from now on, and is rewritten in the new form.
            var material = SigningKeyMaterial.FromPem(e.Pem);
            var now = _time.GetUtcNow();
            _keys.Add(new SigningKeyEntry(material.KeyId, material.Algorithm, e.Pem, now, now, SigningKeyEntry.Generated));
            _rewrite = true;
        });
        Recover<RecoveryCompleted>(_ => Recovered());

        Command<StopEntity>(_ => Context.Stop(Self)); // the shard's hand-off and passivation message
        Command<GetSigningKeys>(_ => Answer(Sender, keys => new CurrentSigningKeys(_name, keys)));
        Command<GetSigningKey>(_ => Answer(Sender, keys => LegacyAnswer()));
        Command<RotateSigningKey>(_ => Rotate(Sender));
        Command<Check>(_ => Answer(ActorRefs.Nobody, _ => null));
        Command<Continue>(c => c.Then());
        Command<SaveSnapshotSuccess>(s =>
        {
            // The clear (or old-format) events are covered by the snapshot: mark the rewrite, then delete everything up to
            // the marker (the journal keeps its highest entry, and that one carries no key material).
            Persist(new SigningKeysRewritten(_time.GetUtcNow()), _ =>
            {
                DeleteMessages(LastSequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1, s.Metadata.Timestamp.AddTicks(-1)));
            });
        });
        Command<SaveSnapshotFailure>(f => _log.Error(f.Cause, "Could not rewrite the stored signing keys of {KeyName}; the earlier events stay until the next start", _name));
        Command<DeleteMessagesSuccess>(_ => _log.Info("Rewrote the stored signing keys of {KeyName}: earlier events deleted", _name));
        Command<DeleteMessagesFailure>(f => _log.Error(f.Cause, "Could not delete the earlier signing-key events of {KeyName}", _name));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Could not delete older signing-key snapshots of {KeyName}: {Reason}", _name, f.Cause.Message));
    }

    public override string PersistenceId => $"signing-key-{_name}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string name, ServerSettings settings, TimeProvider time, TimeSpan? checkInterval = null) =>
        Akka.Actor.Props.Create(() => new SigningKeyActor(name, settings, time, checkInterval));

    private KeyEncryptionKey? Kek => _settings.KeyEncryption;

    private void Recovered()
    {
        _problem = Problem();
        if (_problem is not null)
        {
            _log.Error("Signing keys {KeyName} cannot be used: {Reason}", _name, _problem);
            return;
        }

        if (Kek is { } kek && _keys.Any(k => !KeyEncryptionKey.IsProtected(k.PrivateKey)))
        {
            for (var i = 0; i < _keys.Count; i++)
            {
                if (!KeyEncryptionKey.IsProtected(_keys[i].PrivateKey))
                {
                    _keys[i] = _keys[i] with { PrivateKey = kek.Protect(_keys[i].PrivateKey, SigningKeyEntry.Purpose) };
                }
            }

            _log.Info("Encrypting the stored signing keys of {KeyName} with key-encryption key {KekId}", _name, kek.KeyId);
            _rewrite = true;
        }

        if (_rewrite)
        {
            SaveSnapshot(new SigningKeySnapshot(_keys.ToArray()));
        }

        Timers.StartPeriodicTimer("check", Check.Instance, _checkInterval);
    }

    /// <summary>Why the stored keys cannot be opened here (null: they can).</summary>
    private string? Problem()
    {
        foreach (var key in _keys)
        {
            if (KeyEncryptionKey.KeyIdOf(key.PrivateKey) is { } stored && stored != Kek?.KeyId)
            {
                return KeyEncryptionKey.WrongKeyMessage(stored, Kek?.KeyId);
            }
        }

        return null;
    }

    /// <summary>
    /// Brings the keys up to date (the first key, the key file's key, the scheduled next key), persisting what it adds,
    /// then answers <paramref name="replyTo"/> with <paramref name="answer"/>'s message (none when it gives null).
    /// </summary>
    private void Answer(IActorRef replyTo, Func<IReadOnlyList<SigningKeyEntry>, object?> answer)
    {
        if (_problem is not null)
        {
            if (!replyTo.IsNobody())
            {
                replyTo.Tell(new SigningKeysUnavailable(_name, _problem));
            }

            return;
        }

        var added = Due(_time.GetUtcNow());
        if (added is null)
        {
            if (answer(Visible()) is { } reply)
            {
                replyTo.Tell(reply);
            }

            return;
        }

        Add(added, () =>
        {
            if (answer(Visible()) is { } reply)
            {
                replyTo.Tell(reply);
            }
        });
    }

    private void Rotate(IActorRef replyTo)
    {
        if (_problem is not null)
        {
            replyTo.Tell(new SigningKeysUnavailable(_name, _problem));
            return;
        }

        var now = _time.GetUtcNow();
        if (Due(now) is null && Pending(now) is { } pending)
        {
            replyTo.Tell(new SigningKeyRotationRefused(_name, $"Key {pending.KeyId} is already waiting to sign (from {pending.ActivatesAt:O}); rotate again once it signs."));
            return;
        }

        // A key that was due anyway (the first, the key file's, the scheduled one) is the rotation; else a new one.
        var added = Due(now) ?? New(SigningKeyMaterial.GeneratePem(_settings.SigningAlgorithm), SigningKeyEntry.Generated, now, now + _settings.SigningKeyLead);
        Add(added, () => replyTo.Tell(new SigningKeyRotated(_name, added.KeyId, Visible())));
    }

    /// <summary>Persists the key, pushes the keys to every node, then runs <paramref name="then"/> (also when some node did not confirm).</summary>
    private void Add(SigningKeyEntry key, Action then)
    {
        Persist(new SigningKeyAdded(key), e =>
        {
            _keys.Add(e.Key);
            _log.Info("Signing key {KeyId} ({Algorithm}, {Source}) of {KeyName} added; signs from {ActivatesAt:O}", e.Key.KeyId, e.Key.Algorithm, e.Key.Source, _name, e.Key.ActivatesAt);
            var log = _log;
            var self = Self;
            EveryMember.AskAll<SigningKeysPushed>(Context.System, SigningKeyViewActor.Name, new PushSigningKeys(new CurrentSigningKeys(_name, Visible())), PushTimeout)
                .ContinueWith(t =>
                {
                    EveryMember.WarnMissing(log, t.IsCompletedSuccessfully ? t.Result : [], "a new signing key (they read it at their next poll)", PushTimeout);
                    self.Tell(new Continue(then));
                }, TaskScheduler.Default);
        });
    }

    /// <summary>The key that should be added now, if any: the first, the key file's, or the scheduled next one.</summary>
    private SigningKeyEntry? Due(DateTimeOffset now)
    {
        var file = FileKey();
        if (_keys.Count == 0)
        {
            return file is { } first
                ? New(first.Pem, SigningKeyEntry.File, now, now)
                : New(SigningKeyMaterial.GeneratePem(_settings.SigningAlgorithm), SigningKeyEntry.Generated, now, now);
        }

        if (file is { } replaced && _keys.All(k => k.KeyId != replaced.KeyId))
        {
            // A key file that holds a key not known yet (the file was replaced) is rotated in like any new key.
            return New(replaced.Pem, SigningKeyEntry.File, now, now + _settings.SigningKeyLead);
        }

        if (_settings.SigningKeyRotation <= TimeSpan.Zero || Pending(now) is not null)
        {
            return null;
        }

        var ordered = SigningKeySchedule.Ordered(_keys, k => k);
        var current = ordered[SigningKeySchedule.CurrentIndex(ordered, now)];
        var due = current.ActivatesAt + _settings.SigningKeyRotation;
        if (now < due - _settings.SigningKeyLead)
        {
            return null;
        }

        // On time the next key signs when the current one is due; late (the entity was asleep), a full lead from now.
        var activates = due < now + _settings.SigningKeyLead ? now + _settings.SigningKeyLead : due;
        return New(SigningKeyMaterial.GeneratePem(_settings.SigningAlgorithm), SigningKeyEntry.Generated, now, activates);
    }

    /// <summary>OAUTH2_SIGNING_KEY_FILE's key, read once per incarnation of the entity (validated at start).</summary>
    private (string Pem, string KeyId)? FileKey()
    {
        if (_fileKey is null && _settings.SigningKeyFile is { } file)
        {
            var pem = File.ReadAllText(file);
            _fileKey = (pem, SigningKeyMaterial.FromPem(pem).KeyId);
        }

        return _fileKey;
    }

    /// <summary>A key that has not started signing yet.</summary>
    private SigningKeyEntry? Pending(DateTimeOffset now) => _keys.Where(k => k.ActivatesAt > now).MinBy(k => k.ActivatesAt);

    private SigningKeyEntry New(string pem, string source, DateTimeOffset now, DateTimeOffset activates)
    {
        // Activation times are strictly increasing: two keys never claim the same moment.
        if (_keys.Count > 0 && _keys.Max(k => k.ActivatesAt) is var latest && activates <= latest)
        {
            activates = latest + TimeSpan.FromMilliseconds(1);
        }

        var material = SigningKeyMaterial.FromPem(pem);
        var stored = Kek is { } kek ? kek.Protect(pem, SigningKeyEntry.Purpose) : pem;
        return new SigningKeyEntry(material.KeyId, material.Algorithm, stored, now, activates, source);
    }

    /// <summary>The keys still published (not expired), in activation order.</summary>
    private IReadOnlyList<SigningKeyEntry> Visible()
    {
        var ordered = SigningKeySchedule.Ordered(_keys, k => k);
        return SigningKeySchedule.At(ordered, _time.GetUtcNow(), _settings.AccessTokenTtl)
            .Where(s => s.State != SigningKeyState.Expired)
            .Select(s => s.Entry)
            .ToArray();
    }

    /// <summary>For nodes of the previous version, which ask for one key: the current one, as a PEM.</summary>
    private CurrentSigningKey LegacyAnswer()
    {
        var ordered = SigningKeySchedule.Ordered(_keys, k => k);
        var current = ordered[SigningKeySchedule.CurrentIndex(ordered, _time.GetUtcNow())];
        var pem = Kek is { } kek && KeyEncryptionKey.IsProtected(current.PrivateKey) ? kek.Unprotect(current.PrivateKey, SigningKeyEntry.Purpose) : current.PrivateKey;
        return new CurrentSigningKey(_name, pem);
    }

    private sealed record Check : INoSerializationVerificationNeeded
    {
        public static readonly Check Instance = new();
    }

    /// <summary>Back on the actor after the push: the answer goes out in order with the entity's other work.</summary>
    private sealed record Continue(Action Then) : INoSerializationVerificationNeeded;
}
