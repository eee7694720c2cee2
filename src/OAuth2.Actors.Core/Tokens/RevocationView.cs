using System.Collections.Concurrent;
using Akka.DistributedData;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// What this node knows is revoked (token jtis and client, grant or user keys, each until the last token it covers has
/// expired), shared by the node's token actors and safe to read from any thread.
/// </summary>
/// <remarks>
/// Two sources, either one enough: <b>confirmed</b> entries, recorded on this node or pushed by the node that recorded
/// them before it answered the revoke (so every reachable node has a revocation by the time the revoke answers); and
/// the <b>replicated</b> entries of Distributed Data, spread over <see cref="ReplicatedKeyCount"/> keys so that no single
/// key outgrows a remoting frame, which is how a node that was unreachable at that moment, or joins later, learns them.
/// The token actors serve nothing until <see cref="IsLoaded"/>: every revocation bucket has been read from the journal.
/// </remarks>
public sealed class RevocationView
{
    public const int ReplicatedKeyCount = 256;

    private static readonly LWWDictionaryKey<string, long>[] Keys =
        Enumerable.Range(0, ReplicatedKeyCount).Select(i => new LWWDictionaryKey<string, long>($"revocations-{i}")).ToArray();

    private readonly ConcurrentDictionary<string, long> _confirmed = new(StringComparer.Ordinal);
    private readonly LWWDictionary<string, long>[] _replicated = Enumerable.Repeat(LWWDictionary<string, long>.Empty, ReplicatedKeyCount).ToArray();
    private volatile bool _loaded;

    public static IReadOnlyList<LWWDictionaryKey<string, long>> ReplicatedKeys => Keys;

    /// <summary>Every revocation bucket has been read: no revocation recorded before this node started is missing.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>The Distributed Data key an entry is replicated under (stable across processes).</summary>
    public static LWWDictionaryKey<string, long> ReplicatedKeyOf(string key) => Keys[IndexOf(key)];

    public bool IsRevoked(string key) =>
        _confirmed.ContainsKey(key) || Volatile.Read(ref _replicated[IndexOf(key)]).ContainsKey(key);

    public int ConfirmedCount => _confirmed.Count;

    public void Confirm(string key, long expiresAtUnix) => _confirmed[key] = expiresAtUnix;

    /// <summary>Takes back an entry whose recording failed (it was never answered as revoked).</summary>
    public void Withdraw(string key) => _confirmed.TryRemove(key, out _);

    public void Replicated(LWWDictionaryKey<string, long> key, LWWDictionary<string, long> entries)
    {
        var index = Array.IndexOf(Keys, key);
        if (index >= 0)
        {
            Volatile.Write(ref _replicated[index], entries);
        }
    }

    public void MarkLoaded() => _loaded = true;

    /// <summary>Forgets confirmed entries whose tokens have all expired (replicated ones are removed by their bucket).</summary>
    public void Prune(long nowUnix)
    {
        foreach (var (key, expiresAt) in _confirmed)
        {
            if (expiresAt <= nowUnix)
            {
                _confirmed.TryRemove(key, out _);
            }
        }
    }

    private static int IndexOf(string key)
    {
        // Stable across processes (string.GetHashCode is randomised per process).
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return (int)(hash % ReplicatedKeyCount);
    }
}
