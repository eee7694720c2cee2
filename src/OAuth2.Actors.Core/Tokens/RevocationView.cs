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

    public void Confirm(string key, long expiresAtUnix) => _revoked[key] = expiresAtUnix;

    /// <summary>Takes back an entry whose recording failed (it was never answered as revoked).</summary>
    public void Withdraw(string key) => _revoked.TryRemove(key, out _);

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
