using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Tokens;

// To and from this node's pool of token actors only (LocalAsk), down to the signing-key and revocation sections: no serialization check.
/// <summary>
/// Issue a signed access token (RFC 9068) for a client or a user, for the RFC 8707 resources in
/// <paramref name="Audiences"/> (null or empty: the default audience, <see cref="ServerSettings.Audience"/>).
/// </summary>
public sealed record IssueAccessToken(string Subject, string ClientId, string Scope, string GrantType, RequestContext Context, string? UserId = null, string? GrantId = null, bool HasRefreshToken = false, IReadOnlyList<string>? Audiences = null) : INoSerializationVerificationNeeded;

/// <summary>
/// Make every live access token matching a key inactive at once: <c>client:{id}</c> (client deleted),
/// <c>sub:{userId}</c> (user deleted), <c>grant:{id}</c> (code replayed, refresh family closed).
/// </summary>
public sealed record RevokeByKey(string Key, string Reason, RequestContext Context) : INoSerializationVerificationNeeded
{
    public static string Client(string clientId) => "client:" + clientId;

    public static string User(string userId) => "sub:" + userId;

    public static string Grant(string grantId) => "grant:" + grantId;

    /// <summary>
    /// The client's tokens issued up to a moment (a disabled client's): recorded with <see cref="ExpiresAtUnix"/> set
    /// to that moment plus the access-token lifetime, it covers the tokens that expire by then, not those issued after.
    /// </summary>
    public static string ClientIssuedUntil(string clientId) => "client-until:" + clientId;

    /// <summary>Until when the entry lasts (and, for a cut-off key, which tokens it covers); null: one access-token lifetime from now.</summary>
    public long? ExpiresAtUnix { get; init; }
}

public sealed record AccessTokenIssued(string AccessToken, string Jti, DateTimeOffset ExpiresAt) : INoSerializationVerificationNeeded
{
    public override string ToString() => $"AccessTokenIssued {{ Jti = {Jti}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>Check a token: answers an <see cref="IntrospectionResult"/>.</summary>
/// <summary>
/// Introspect <paramref name="Token"/> for a caller; <paramref name="MayKnow"/> (node-local: the message never leaves the
/// node) says whether that caller may learn that a valid token is active (RFC 7662 2.1, 4); null: it may.
/// </summary>
public sealed record IntrospectToken(string Token, RequestContext Context, Func<ActiveToken, bool>? MayKnow = null) : INoSerializationVerificationNeeded
{
    public override string ToString() => $"IntrospectToken {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>RFC 7009 revocation by the client that authenticated: answers <see cref="RevocationAccepted"/> or an <see cref="OAuthError"/>.</summary>
public sealed record RevokeToken(string Token, string? TokenTypeHint, string ClientId, RequestContext Context) : INoSerializationVerificationNeeded
{
    public override string ToString() => $"RevokeToken {{ ClientId = {ClientId}, CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>The public keys for the JWKS endpoint.</summary>
public sealed record GetJsonWebKeys : INoSerializationVerificationNeeded
{
    public static readonly GetJsonWebKeys Instance = new();
}

public sealed record CurrentJsonWebKeys(IReadOnlyList<IReadOnlyDictionary<string, string>> Keys) : INoSerializationVerificationNeeded;

/// <summary>Is this node's token actor ready (signing key and revocations loaded)?</summary>
public sealed record GetTokenServiceStatus : INoSerializationVerificationNeeded
{
    public static readonly GetTokenServiceStatus Instance = new();
}

public sealed record TokenServiceStatus(bool Ready, string? KeyId, string? Algorithm = null) : INoSerializationVerificationNeeded;

/// <summary>
/// From the revocation bucket that recorded a revocation to every node's <see cref="RevocationViewActor"/>, before the
/// revoke is answered; confirmed with <see cref="RevocationPushed"/>.
/// </summary>
public sealed record PushRevocation(string Key, long ExpiresAtUnix);

public sealed record RevocationPushed(string Key);

// ---- signing key entity -------------------------------------------------------------------------------------

public interface ISigningKeyCommand
{
    string KeyName { get; }
}

/// <summary>Ask the key entity for the key; it generates and persists one the first time.</summary>
public sealed record GetSigningKey(string KeyName, SigningAlgorithm Algorithm) : ISigningKeyCommand
{
    public const string Default = "default";
}

public sealed record CurrentSigningKey(string KeyName, string Pem)
{
    public override string ToString() => $"CurrentSigningKey {{ KeyName = {KeyName} }}";
}

public sealed record SigningKeyGenerated(string Pem, string Algorithm)
{
    public override string ToString() => $"SigningKeyGenerated {{ Algorithm = {Algorithm} }}";
}

// ---- revocation buckets -------------------------------------------------------------------------------------

public interface IRevocationCommand
{
    int Bucket { get; }
}

public sealed record RecordRevocation(int Bucket, string Jti, long ExpiresAtUnix, string ClientId) : IRevocationCommand
{
    public static RecordRevocation For(string jti, long expiresAtUnix, string clientId) =>
        new(RevocationBuckets.Of(jti), jti, expiresAtUnix, clientId);
}

public sealed record RevocationRecorded(string Jti, long ExpiresAtUnix);

/// <summary>
/// A page of a bucket's revocations recorded after journal position <paramref name="Since"/> (0: all of them), in key
/// order after <paramref name="After"/> (null: from the first). Keys, not offsets, mark the pages, so entries added or
/// purged between two pages never make one skip another.
/// </summary>
public sealed record GetRevocations(int Bucket, long Since = 0, string? After = null) : IRevocationCommand
{
    /// <summary>Entries per page: a page stays well inside a remoting frame however many revocations are in force.</summary>
    public const int PageSize = 1000;
}

/// <summary>
/// One page; <paramref name="NextAfter"/> is where the next one starts (null on the last). <paramref name="AsOf"/> is
/// the bucket's journal position when it answered: asking later with <c>Since = AsOf</c> of the first page gets only
/// what was recorded since.
/// </summary>
public sealed record CurrentRevocations(int Bucket, long Since, string? After, IReadOnlyDictionary<string, long> Entries, string? NextAfter, long AsOf);

public sealed record TokenRevocationRecorded(string Jti, long ExpiresAtUnix, string ClientId);

public sealed record RevocationsPurged(long Before);

public static class RevocationBuckets
{
    public const int Count = 16;

    public static int Of(string jti)
    {
        // Stable across processes (string.GetHashCode is randomised per process).
        var hash = 17u;
        foreach (var c in jti)
        {
            hash = unchecked((hash * 31) + c);
        }

        return (int)(hash % Count);
    }
}
