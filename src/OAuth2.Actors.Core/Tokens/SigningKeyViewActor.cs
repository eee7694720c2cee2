using Akka.Event;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// One per node, at <c>/user/signing-key-view</c>: fills the node's <see cref="SigningKeyRing"/> from the key entity. It
/// reads the keys at start (asking again every second until answered), takes the keys the entity pushes when it adds
/// one (before a rotation is answered), and reads them again every <see cref="DefaultPollInterval"/> (which also wakes
/// the entity for its schedule, and is how a node that missed a push catches up: well within the lead a new key is
/// published before it signs). A token actor that meets a key id it does not know asks for a read (at most one a second).
/// </summary>
public sealed class SigningKeyViewActor : ReceiveActor, IWithTimers
{
    public const string Name = "signing-key-view";

    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly SigningKeyRing _ring;
    private readonly IActorRef _keys;
    private readonly ServerSettings _settings;
    private readonly TimeSpan _pollInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, SigningKeyMaterial> _opened = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _waiting = [];
    private string? _problem;
    private bool _cooling;
    private bool _asked;

    public SigningKeyViewActor(SigningKeyRing ring, IActorRef keys, ServerSettings settings, TimeSpan? pollInterval = null)
    {
        _ring = ring;
        _keys = keys;
        _settings = settings;
        _pollInterval = pollInterval ?? DefaultPollInterval;

        Receive<CurrentSigningKeys>(Apply);
        Receive<PushSigningKeys>(p =>
        {
            Apply(p.Keys);
            Sender.Tell(new SigningKeysPushed(p.Keys.KeyName));
        });
        Receive<SigningKeysUnavailable>(u => Fail(u.Reason));
        Receive<RefreshSigningKeys>(_ =>
        {
            _waiting.Add(Sender);
            if (!_cooling && !_asked)
            {
                Ask();
            }
        });
        Receive<Tick>(_ =>
        {
            // Not loaded yet, or an answer that did not come (a lost message, the entity moving): ask again.
            if (!_ring.IsLoaded || _asked || _waiting.Count > 0)
            {
                Ask();
            }
        });
        Receive<Cooled>(_ =>
        {
            _cooling = false;
            if (_waiting.Count > 0 && !_asked)
            {
                Ask();
            }
        });
        Receive<Poll>(_ => Ask());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SigningKeyRing ring, IActorRef keys, ServerSettings settings, TimeSpan? pollInterval = null) =>
        Akka.Actor.Props.Create(() => new SigningKeyViewActor(ring, keys, settings, pollInterval));

    protected override void PreStart()
    {
        Ask();
        Timers.StartPeriodicTimer("retry", Tick.Instance, RetryInterval);
        Timers.StartPeriodicTimer("poll", Poll.Instance, _pollInterval);
    }

    private void Ask()
    {
        _asked = true;
        _cooling = true;
        Timers.StartSingleTimer("cool", Cooled.Instance, RetryInterval);
        _keys.Tell(new GetSigningKeys(GetSigningKey.Default));
    }

    private void Apply(CurrentSigningKeys keys)
    {
        _asked = false;
        var opened = new List<(SigningKeyEntry, SigningKeyMaterial)>(keys.Keys.Count);
        foreach (var entry in keys.Keys)
        {
            if (!_opened.TryGetValue(entry.KeyId, out var material))
            {
                try
                {
                    material = Open(entry);
                }
                catch (Exception e) when (e is KeyEncryptionException or System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    Fail(e.Message);
                    return;
                }

                _opened[entry.KeyId] = material;
            }

            opened.Add((entry, material));
        }

        _ring.Add(opened, _settings);
        foreach (var waiting in _waiting)
        {
            waiting.Tell(SigningKeysRefreshed.Instance);
        }

        _waiting.Clear();
    }

    private SigningKeyMaterial Open(SigningKeyEntry entry)
    {
        var pem = entry.PrivateKey;
        if (KeyEncryptionKey.IsProtected(pem))
        {
            var kek = _settings.KeyEncryption ?? throw new KeyEncryptionException(KeyEncryptionKey.WrongKeyMessage(KeyEncryptionKey.KeyIdOf(pem)!, null));
            pem = kek.Unprotect(pem, SigningKeyEntry.Purpose);
        }

        var material = SigningKeyMaterial.FromPem(pem);
        return material.KeyId == entry.KeyId
            ? material
            : throw new KeyEncryptionException($"Stored signing key {entry.KeyId} holds another key ({material.KeyId}).");
    }

    private void Fail(string reason)
    {
        _asked = false;
        if (_problem != reason)
        {
            _problem = reason;
            _log.Error("This node cannot load the signing keys: {Reason}", reason);
        }

        foreach (var waiting in _waiting)
        {
            waiting.Tell(SigningKeysRefreshed.Instance);
        }

        _waiting.Clear();
    }

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Poll : INoSerializationVerificationNeeded
    {
        public static readonly Poll Instance = new();
    }

    private sealed record Cooled : INoSerializationVerificationNeeded
    {
        public static readonly Cooled Instance = new();
    }
}
