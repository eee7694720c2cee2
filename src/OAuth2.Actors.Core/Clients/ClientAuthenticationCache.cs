using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace OAuth2.Actors.Clients;

/// <summary>
/// The node's memory of recent successful client authentications, so that a client calling the token, introspection
/// or revocation endpoint again is authenticated here instead of by a round trip to its sharded entity.
/// </summary>
/// <remarks>
/// What it keeps per client: the client's view and, for a confidential client, an HMAC of the secret that succeeded,
/// under a key drawn at random when the node starts (never the secret, never the stored hash). A presented secret is
/// compared in constant time; anything that does not match goes to the entity, which decides and publishes the failure.
/// A change to a client (new secret, new metadata, deletion) removes the entry on every node before the change is
/// answered (<see cref="ClientCacheActor"/>); an entry also expires after <see cref="Ttl"/>, which bounds what a node that
/// could not be reached at that moment keeps. Only successes are kept, at most <c>capacity</c> clients.
/// </remarks>
public sealed class ClientAuthenticationCache
{
    public static readonly ClientAuthenticationCache Disabled = new(TimeSpan.Zero, TimeProvider.System);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private int _count;
    private long _epoch;

    public ClientAuthenticationCache(TimeSpan ttl, TimeProvider time, int capacity = 10_000)
    {
        Ttl = ttl;
        _time = time;
        _capacity = capacity;
    }

    /// <summary>How long an entry is trusted at most (OAUTH2_CLIENT_CACHE_SECONDS); zero turns the cache off.</summary>
    public TimeSpan Ttl { get; }

    public bool Enabled => Ttl > TimeSpan.Zero;

    /// <summary>Read before asking the entity and handed back to <see cref="Remember"/>: an answer that an invalidation overtook is not kept.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>The client, when these credentials succeeded recently and nothing about the client changed since.</summary>
    public ClientView? TryAuthenticate(string clientId, string? secret)
    {
        if (!Enabled || !_entries.TryGetValue(clientId, out var entry) || _time.GetElapsedTime(entry.StoredAt) >= Ttl)
        {
            return null;
        }

        if (entry.SecretMac is null)
        {
            return secret is null ? entry.View : null;
        }

        if (secret is null)
        {
            return null;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(secret, mac);
        return CryptographicOperations.FixedTimeEquals(mac, entry.SecretMac) ? entry.View : null;
    }

    /// <summary>Keeps a success the entity answered, unless the client was invalidated since <paramref name="epoch"/>.</summary>
    public void Remember(string clientId, string? secret, ClientView view, long epoch)
    {
        if (!Enabled || Epoch != epoch)
        {
            return;
        }

        byte[]? mac = null;
        if (secret is not null)
        {
            mac = new byte[HMACSHA256.HashSizeInBytes];
            Mac(secret, mac);
        }

        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Volatile.Write(ref _count, 0);
            _entries.Clear();
        }

        var entry = new Entry(mac, view, _time.GetTimestamp());
        _entries[clientId] = entry;
        if (Epoch != epoch)
        {
            // An invalidation ran while this was being added: it may have missed the entry, so take it back.
            _entries.TryRemove(new KeyValuePair<string, Entry>(clientId, entry));
        }
    }

    /// <summary>Forgets the client (its secret, metadata or existence changed).</summary>
    public void Invalidate(string clientId)
    {
        Interlocked.Increment(ref _epoch);
        _entries.TryRemove(clientId, out _);
    }

    private void Mac(string secret, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetMaxByteCount(secret.Length);
        var rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> buffer = rented is null ? stackalloc byte[256] : rented;
        try
        {
            var written = Encoding.UTF8.GetBytes(secret, buffer);
            HMACSHA256.HashData(_key, buffer[..written], destination);
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(rented);
                ArrayPool<byte>.Shared.Return(rented);
            }
            else
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
        }
    }

    private sealed record Entry(byte[]? SecretMac, ClientView View, long StoredAt);
}
