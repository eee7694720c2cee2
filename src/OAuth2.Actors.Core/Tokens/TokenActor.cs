using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// Issues, checks and revokes access tokens (RFC 9068 JWTs). Runs as a pool on every node: signing and
/// verification are CPU work with no shared state but the key and the revocation view, which each routee holds.
/// The keys are the node's <see cref="SigningKeyRing"/>: a token is signed by the key current at that moment and checked
/// with the key its <c>kid</c> names; a kid the ring does not know yet (a key another node has just started signing
/// with) makes it read the keys again once before it answers.
/// It serves nothing until both are loaded (the node's <see cref="RevocationView"/> has read every bucket), so a
/// restarted or newly joined node never calls a revoked token active.
/// The ES256 work itself (signing, and the signature check of a token not in the cache) runs on the thread pool, as
/// many at a time as there are cores, rather than queueing behind the routee: it needs nothing but the key, which is
/// immutable. The answer to a fresh check goes out from there too (no trip back through the mailbox): the cache and the
/// revocation view are safe to read from any thread, only this actor writes the revocations, and revocation is checked
/// when the answer goes out, so a revocation this routee has recorded by then always wins.
/// </summary>
public sealed partial class TokenActor : ReceiveActor, IWithStash, IWithTimers
{
    private const int VerifiedCacheLimit = 10_000;
    private static readonly TimeSpan LoadPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly SigningKeyRing _ring;
    private readonly IActorRef _keyView;
    private readonly IActorRef _revocations;
    private readonly RevocationView _revoked;
    private readonly EventPublisher _events;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Verified signatures, keyed by the token text: a hit skips the signature check, never the expiry or revocation
    // check. Filled from pool threads as checks complete; cleared when it reaches its limit.
    private readonly ConcurrentDictionary<string, ActiveToken> _verified = new(StringComparer.Ordinal);
    private int _verifiedCount;

    private bool _algorithmChecked;

    public TokenActor(ServerSettings settings, TimeProvider time, SigningKeyRing ring, IActorRef keyView, IActorRef revocations, RevocationView revoked, EventPublisher events)
    {
        _ring = ring;
        _keyView = keyView;
        _revoked = revoked;
        _events = events;
        _settings = settings;
        _time = time;
        _revocations = revocations;
        Initializing();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ServerSettings settings, TimeProvider time, SigningKeyRing ring, IActorRef keyView, IActorRef revocations, RevocationView revoked, EventPublisher events) =>
        Akka.Actor.Props.Create(() => new TokenActor(settings, time, ring, keyView, revocations, revoked, events));

    protected override void PreStart() => Timers.StartPeriodicTimer("init", InitTick.Instance, LoadPollInterval);

    private void Initializing()
    {
        Receive<InitTick>(_ => BecomeReadyWhenLoaded());
        Receive<GetTokenServiceStatus>(_ => Sender.Tell(new TokenServiceStatus(false, null)));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<IssueAccessToken>(Issue);
        Receive<IntrospectToken>(Introspect);
        Receive<RevokeToken>(r => Revoke(r, refreshed: false));
        Receive<RevokeAfterRefresh>(r => Revoke(r.Request, refreshed: true));
        Receive<RevokeByKey>(RevokeKey);
        Receive<GetJsonWebKeys>(_ => Sender.Tell(new CurrentJsonWebKeys(_ring.Keys!.Published(_time.GetUtcNow()))));
        Receive<GetTokenServiceStatus>(_ =>
        {
            var key = _ring.Keys!.Signing(_time.GetUtcNow());
            Sender.Tell(new TokenServiceStatus(true, key.KeyId, key.Algorithm));
        });
        Receive<InitTick>(_ => { });
    }

    /// <summary>Serves once it has the key and the node's revocation view has read every bucket.</summary>
    private void BecomeReadyWhenLoaded()
    {
        if (!_ring.IsLoaded || !_revoked.IsLoaded)
        {
            return;
        }

        WarnOnceAboutAlgorithm(_ring.Keys!.Signing(_time.GetUtcNow()));
        Timers.Cancel("init");
        Become(Ready);
        Stash.UnstashAll();
    }

    private void WarnOnceAboutAlgorithm(SigningKeyMaterial key)
    {
        var configured = _settings.SigningAlgorithm == SigningAlgorithm.RS256 ? SecurityAlgorithms.RsaSha256 : SecurityAlgorithms.EcdsaSha256;
        if (!_algorithmChecked && _settings.SigningKeyFile is null && key.Algorithm != configured)
        {
            _log.Warning("The current signing key is {StoredAlgorithm} but OAUTH2_SIGNING_ALGORITHM asks for {ConfiguredAlgorithm}; it signs until the next rotation, which makes a key of the configured algorithm (tokens already issued stay valid).", key.Algorithm, configured);
        }

        _algorithmChecked = true;
    }

    private void Issue(IssueAccessToken request)
    {
        var now = _time.GetUtcNow();
        var expires = now + _settings.AccessTokenTtl;
        var jti = RandomIds.NewGuid().ToString("N");
        var descriptor = AccessTokenJwt.Describe(_settings, _ring.Keys!.Signing(now), request, jti, now, expires);

        var replyTo = Sender;
        var events = _events;
        Task.Run(() =>
        {
            string token;
            try
            {
                token = AccessTokenJwt.Create(descriptor);
            }
            catch (Exception e)
            {
                replyTo.Tell(new Status.Failure(e));
                return;
            }

            replyTo.Tell(new AccessTokenIssued(token, jti, expires));
            if (!events.Enabled)
            {
                return;
            }

            events.Publish(EventType.TokenCreated, request.Context, request.ClientId, request.UserId, new Dictionary<string, string>
            {
                ["grant_type"] = request.GrantType,
                ["scope"] = request.Scope,
                ["has_refresh_token"] = request.HasRefreshToken ? "true" : "false",
                ["token_type"] = TokenTypes.AccessToken,
                ["jti"] = jti,
                ["expires_at"] = expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        });
    }

    private void Introspect(IntrospectToken request)
    {
        if (_verified.TryGetValue(request.Token, out var cached))
        {
            Sender.Tell(Answer(cached, request));
            return;
        }

        var replyTo = Sender;
        var keyId = AccessTokenJwt.KeyIdOf(request.Token);
        if (keyId is not null && !_ring.Knows(keyId))
        {
            // A key another node has just started signing with: read the keys once, then check.
            _keyView.Ask<SigningKeysRefreshed>(RefreshSigningKeys.Instance, _settings.RequestTimeout)
                .ContinueWith(_ => VerifyAndAnswer(request, keyId, replyTo), TaskScheduler.Default);
            return;
        }

        Task.Run(() => VerifyAndAnswer(request, keyId, replyTo));
    }

    /// <summary>The signature check and the answer, on a pool thread (touches only thread-safe state).</summary>
    private void VerifyAndAnswer(IntrospectToken request, string? keyId, IActorRef replyTo)
    {
        ActiveToken? active;
        try
        {
            active = VerifyWithRing(request.Token, keyId);
        }
        catch (Exception e)
        {
            replyTo.Tell(new Status.Failure(e));
            return;
        }

        if (active is not null)
        {
            Remember(request.Token, active);
        }

        replyTo.Tell(Answer(active, request));
    }

    /// <summary>Checked with the key its kid names, while that key still verifies; null for anything else.</summary>
    private ActiveToken? VerifyWithRing(string token, string? keyId)
    {
        var keys = _ring.Keys!;
        return keyId is not null && keys.Verifies(keyId, _time.GetUtcNow())
            ? AccessTokenJwt.Verify(token, keys.Validation)
            : null;
    }

    /// <summary>Expiry and revocation of a token whose signature checked out (null: it did not). Safe on any thread.</summary>
    private IntrospectionResult Answer(ActiveToken? active, IntrospectToken request)
    {
        var context = request.Context;
        if (active is null)
        {
            return IntrospectionResult.Inactive;
        }

        if (active.ExpiresAt <= _time.GetUtcNow())
        {
            _events.Publish(EventType.TokenExpired, context, active.ClientId, UserOf(active), TokenMetadata(active), EventSeverity.Warning, "token_expired");
            return IntrospectionResult.Inactive;
        }

        if (IsRevoked(active))
        {
            var metadata = TokenMetadata(active);
            metadata["success"] = "false";
            metadata["reason"] = "revoked";
            _events.Publish(EventType.TokenValidated, context, active.ClientId, UserOf(active), metadata, EventSeverity.Warning, "token_revoked");
            return IntrospectionResult.Inactive;
        }

        if (request.MayKnow is { } mayKnow && !mayKnow(active))
        {
            // A valid token, but not this caller's to know about: inactive to it, and published as what it was.
            var metadata = TokenMetadata(active);
            metadata["success"] = "false";
            metadata["reason"] = "caller_not_in_audience";
            _events.Publish(EventType.TokenValidated, context, active.ClientId, UserOf(active), metadata, EventSeverity.Warning, Errors.AccessDenied);
            return IntrospectionResult.Inactive;
        }

        if (_events.Enabled)
        {
            var ok = TokenMetadata(active);
            ok["success"] = "true";
            _events.Publish(EventType.TokenValidated, context, active.ClientId, UserOf(active), ok);
        }

        return new IntrospectionResult(true, active);
    }

    private static Dictionary<string, string> TokenMetadata(ActiveToken token) => new()
    {
        ["jti"] = token.Jti,
        ["scope"] = token.Scope,
        ["token_type"] = TokenTypes.AccessToken,
    };

    /// <summary>Client-credentials tokens have the client as subject; anything else is a user.</summary>
    private static string? UserOf(ActiveToken token) => token.Subject == token.ClientId ? null : token.Subject;

    /// <summary>The cached or freshly checked token, in the actor (revocation, the rare path, checks synchronously).</summary>
    private ActiveToken? Verify(string token)
    {
        if (_verified.TryGetValue(token, out var cached))
        {
            return cached;
        }

        var active = VerifyWithRing(token, AccessTokenJwt.KeyIdOf(token));
        if (active is not null)
        {
            Remember(token, active);
        }

        return active;
    }

    private void Remember(string token, ActiveToken active)
    {
        if (Interlocked.Increment(ref _verifiedCount) > VerifiedCacheLimit)
        {
            Volatile.Write(ref _verifiedCount, 0);
            _verified.Clear();
        }

        _verified[token] = active;
    }

    private sealed record RevokeAfterRefresh(RevokeToken Request) : INoSerializationVerificationNeeded;

    private sealed record InitTick : INoSerializationVerificationNeeded
    {
        public static readonly InitTick Instance = new();
    }
}
