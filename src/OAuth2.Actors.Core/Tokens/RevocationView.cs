using System.Collections.Concurrent;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// What this node knows is revoked (token jtis and client, grant or user keys, each until the last token it covers has
/// expired), shared by the node's token actors and safe to read from any thread.
/// </summary>
/// <remarks>
/// Filled by the node's <see cref="RevocationViewActor"/>: revocations recorded on this node, those the recording node
/// pushed before it answered the revoke (so every reachable node has a revocation by the time the revoke answers), and
/// what the actor pulls from every bucket every few seconds (so a node that was unreachable, or joins later, gets them
/// all). The token actors serve nothing until <see cref="IsLoaded"/>: every bucket has been read from the journal once.
/// </remarks>
public sealed class RevocationView
{
    private readonly ConcurrentDictionary<string, long> _revoked = new(StringComparer.Ordinal);
    private volatile bool _loaded;

    /// <summary>Every revocation bucket has been read: no revocation recorded before this node started is missing.</summary>
    public bool IsLoaded => _loaded;

    public int Count => _revoked.Count;

    public bool IsRevoked(string key) => _revoked.ContainsKey(key);

    /// <summary>Until when <paramref name="key"/> is revoked; null when it is not.</summary>
    public long? ExpiryOf(string key) => _revoked.TryGetValue(key, out var until) ? until : null;

    /// <summary>
    /// True when <paramref name="key"/> is revoked up to an expiry: it covers the tokens that expire no later than the
    /// entry (a cut-off: tokens issued after it, which expire later, are not covered).
    /// </summary>
    public bool Covers(string key, long tokenExpiresAtUnix) => _revoked.TryGetValue(key, out var until) && tokenExpiresAtUnix <= until;

    /// <summary>Records the entry (a later expiry of a key replaces an earlier one); answers the entry it replaced, if any.</summary>
    public long? Confirm(string key, long expiresAtUnix)
    {
        long? previous = null;
        _revoked.AddOrUpdate(key, expiresAtUnix, (_, existing) =>
        {
            previous = existing;
            return Math.Max(existing, expiresAtUnix);
        });
        return previous;
    }

    /// <summary>Takes back an entry whose recording failed (it was never answered as revoked), restoring the one it replaced.</summary>
    public void Withdraw(string key, long? previous = null)
    {
        if (previous is { } kept)
        {
            _revoked[key] = kept;
        }
        else
        {
            _revoked.TryRemove(key, out _);
        }
    }

    public void MarkLoaded() => _loaded = true;

    /// <summary>Forgets entries whose tokens have all expired.</summary>
    public void Prune(long nowUnix)
    {
        foreach (var (key, expiresAt) in _revoked)
        {
            if (expiresAt <= nowUnix)
            {
                _revoked.TryRemove(key, out _);
            }
        }
    }
}
