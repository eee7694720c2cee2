namespace OAuth2.Actors.Tokens;

public enum SigningKeyState
{
    /// <summary>Published, not signing yet.</summary>
    Next,

    /// <summary>Signs every new token.</summary>
    Current,

    /// <summary>No longer signs; published and verifying until the last token it signed has expired.</summary>
    Retired,

    /// <summary>Every token it signed has expired: no longer published, verifies nothing.</summary>
    Expired,
}

/// <param name="RetiresAt">When it stops signing (the next key's activation), once known.</param>
/// <param name="ExpiresAt">When it leaves the JWKS (<paramref name="RetiresAt"/> plus the access-token lifetime), once known.</param>
public sealed record ScheduledSigningKey(SigningKeyEntry Entry, SigningKeyState State, DateTimeOffset? RetiresAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// The state of each key at a moment, from nothing but the keys' activation times, the clock and the access-token
/// lifetime: every node that holds the same keys signs with the same one at the same moment, without being told.
/// </summary>
public static class SigningKeySchedule
{
    /// <summary>Activation order (ties: creation order).</summary>
    public static IReadOnlyList<T> Ordered<T>(IEnumerable<T> keys, Func<T, SigningKeyEntry> entry) =>
        keys.OrderBy(k => entry(k).ActivatesAt).ThenBy(k => entry(k).CreatedAt).ThenBy(k => entry(k).KeyId, StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The index of the signing key in <paramref name="ordered"/>: the last one activated (the first one when none has,
    /// which the entity never lets happen: its first key signs at once). -1 when there is none.
    /// </summary>
    public static int CurrentIndex(IReadOnlyList<SigningKeyEntry> ordered, DateTimeOffset now)
    {
        var current = ordered.Count == 0 ? -1 : 0;
        for (var i = 1; i < ordered.Count && ordered[i].ActivatesAt <= now; i++)
        {
            current = i;
        }

        return current;
    }

    public static IReadOnlyList<ScheduledSigningKey> At(IReadOnlyList<SigningKeyEntry> ordered, DateTimeOffset now, TimeSpan accessTokenTtl)
    {
        var current = CurrentIndex(ordered, now);
        var result = new ScheduledSigningKey[ordered.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            DateTimeOffset? retires = i + 1 < ordered.Count ? ordered[i + 1].ActivatesAt : null;
            DateTimeOffset? expires = retires + accessTokenTtl;
            var state = i > current ? SigningKeyState.Next
                : i == current ? SigningKeyState.Current
                : expires <= now ? SigningKeyState.Expired
                : SigningKeyState.Retired;
            result[i] = new ScheduledSigningKey(ordered[i], state, state == SigningKeyState.Next ? null : retires, state == SigningKeyState.Next ? null : expires);
        }

        return result;
    }

    public static string Name(SigningKeyState state) => state switch
    {
        SigningKeyState.Next => "next",
        SigningKeyState.Current => "current",
        SigningKeyState.Retired => "retired",
        _ => "expired",
    };
}
