using Microsoft.IdentityModel.Tokens;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// This node's signing keys, shared by its token actors and safe to read from any thread: an immutable
/// <see cref="SigningKeySet"/> swapped whole. Filled by the node's <see cref="SigningKeyViewActor"/> from the key
/// entity; keys are only ever added (a key leaves use by the clock, <see cref="SigningKeySchedule"/>), so an answer
/// that arrives late never takes back a key another node already signs with.
/// </summary>
public sealed class SigningKeyRing
{
    private volatile SigningKeySet? _keys;

    public bool IsLoaded => _keys is not null;

    /// <summary>The keys, once loaded.</summary>
    public SigningKeySet? Keys => _keys;

    /// <summary>Adds the keys not yet known (a key id names one key for ever).</summary>
    public void Add(IEnumerable<(SigningKeyEntry Entry, SigningKeyMaterial Material)> keys, ServerSettings settings)
    {
        var known = _keys?.Keys.ToDictionary(k => k.Entry.KeyId, StringComparer.Ordinal) ?? new Dictionary<string, (SigningKeyEntry, SigningKeyMaterial)>(StringComparer.Ordinal);
        var added = false;
        foreach (var key in keys)
        {
            added |= known.TryAdd(key.Entry.KeyId, key);
        }

        if (added || _keys is null)
        {
            _keys = new SigningKeySet(known.Values, settings);
        }
    }

    public bool Knows(string keyId) => _keys?.Knows(keyId) == true;
}

/// <summary>One immutable set of keys in activation order, with the validation parameters that accept any of them by kid.</summary>
public sealed class SigningKeySet
{
    private readonly SigningKeyEntry[] _entries;
    private readonly Dictionary<string, int> _byId;
    private readonly TimeSpan _accessTokenTtl;

    public SigningKeySet(IEnumerable<(SigningKeyEntry Entry, SigningKeyMaterial Material)> keys, ServerSettings settings)
    {
        Keys = SigningKeySchedule.Ordered(keys, k => k.Entry);
        _entries = Keys.Select(k => k.Entry).ToArray();
        _byId = Keys.Select((k, i) => (k.Entry.KeyId, i)).ToDictionary(k => k.KeyId, k => k.i, StringComparer.Ordinal);
        _accessTokenTtl = settings.AccessTokenTtl;
        Validation = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            // Every audience this server signed is valid here (RFC 8707 resources); the callers decide who may use it.
            ValidateAudience = false,
            IssuerSigningKeys = Keys.Select(k => k.Material.PublicKey).ToArray(),
            // The key is the one the token's kid names, never another that happens to verify it.
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = Keys.Select(k => k.Material.Algorithm).Distinct(StringComparer.Ordinal).ToArray(),
            ValidTypes = [TokenTypes.AccessTokenJwtType],
            // Expiry is checked against the injected clock by the token actors, on every call, cached or not.
            ValidateLifetime = false,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
        };
    }

    public IReadOnlyList<(SigningKeyEntry Entry, SigningKeyMaterial Material)> Keys { get; }

    public TokenValidationParameters Validation { get; }

    public bool Knows(string keyId) => _byId.ContainsKey(keyId);

    /// <summary>The key that signs at <paramref name="now"/>.</summary>
    public SigningKeyMaterial Signing(DateTimeOffset now) => Keys[SigningKeySchedule.CurrentIndex(_entries, now)].Material;

    /// <summary>
    /// True while tokens signed by this key may still be live: it is known and not expired. A key that is still next
    /// verifies too: a node whose clock runs ahead may already sign with it.
    /// </summary>
    public bool Verifies(string keyId, DateTimeOffset now)
    {
        if (!_byId.TryGetValue(keyId, out var index))
        {
            return false;
        }

        // Expired: a later key activated more than an access-token lifetime ago.
        return index + 1 >= _entries.Length || _entries[index + 1].ActivatesAt + _accessTokenTtl > now;
    }

    public IReadOnlyList<ScheduledSigningKey> Schedule(DateTimeOffset now) => SigningKeySchedule.At(_entries, now, _accessTokenTtl);

    /// <summary>The JWKS: every key that is next, current or retired but not expired.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Published(DateTimeOffset now)
    {
        var schedule = Schedule(now);
        return schedule.Select((s, i) => (s, i)).Where(x => x.s.State != SigningKeyState.Expired).Select(x => Keys[x.i].Material.PublicJwk).ToArray();
    }
}
