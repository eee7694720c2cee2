namespace OAuth2.Actors.Tokens;

/// <summary>
/// One signing key as the key entity keeps it: its private key (protected with the KEK when one is configured, else a
/// PEM) and its schedule. It signs from <paramref name="ActivatesAt"/> until the next key activates; it is published in
/// the JWKS from its creation until an access-token lifetime after it stopped signing.
/// </summary>
/// <param name="Source">Where it came from: <see cref="Generated"/>, <see cref="File"/> (OAUTH2_SIGNING_KEY_FILE).</param>
public sealed record SigningKeyEntry(string KeyId, string Algorithm, string PrivateKey, DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt, string Source)
{
    public const string Generated = "generated";
    public const string File = "file";

    /// <summary>What the private key is bound to when it is encrypted with the KEK.</summary>
    public const string Purpose = "oauth2-signing-key";

    public override string ToString() => $"SigningKeyEntry {{ KeyId = {KeyId}, Algorithm = {Algorithm}, ActivatesAt = {ActivatesAt:O}, Source = {Source} }}";
}

/// <summary>Every key of the entity that is still published (next, current, retired but not expired): answers <see cref="CurrentSigningKeys"/>.</summary>
public sealed record GetSigningKeys(string KeyName) : ISigningKeyCommand
{
    public static readonly GetSigningKeys Default = new(GetSigningKey.Default);
}

public sealed record CurrentSigningKeys(string KeyName, IReadOnlyList<SigningKeyEntry> Keys);

/// <summary>
/// Start a new key now: published at once, signing after the lead (OAUTH2_SIGNING_KEY_LEAD_SECONDS). Answers
/// <see cref="SigningKeyRotated"/> once every reachable node has the new key, or <see cref="SigningKeyRotationRefused"/>
/// while a key is already waiting to sign.
/// </summary>
public sealed record RotateSigningKey(string KeyName) : ISigningKeyCommand
{
    public static readonly RotateSigningKey Default = new(GetSigningKey.Default);
}

public sealed record SigningKeyRotated(string KeyName, string KeyId, IReadOnlyList<SigningKeyEntry> Keys);

public sealed record SigningKeyRotationRefused(string KeyName, string Reason);

/// <summary>The stored keys cannot be opened with this server's KEK (or none is configured): a configuration error.</summary>
public sealed record SigningKeysUnavailable(string KeyName, string Reason);

/// <summary>From the key entity to every node's <see cref="SigningKeyViewActor"/> when a key is added; confirmed with <see cref="SigningKeysPushed"/>.</summary>
public sealed record PushSigningKeys(CurrentSigningKeys Keys);

public sealed record SigningKeysPushed(string KeyName);

/// <summary>A token actor met a key id it does not know: read the keys again (at most once a second), answering <see cref="SigningKeysRefreshed"/>.</summary>
public sealed record RefreshSigningKeys : INoSerializationVerificationNeeded
{
    public static readonly RefreshSigningKeys Instance = new();
}

public sealed record SigningKeysRefreshed : INoSerializationVerificationNeeded
{
    public static readonly SigningKeysRefreshed Instance = new();
}

// ---- journal ----------------------------------------------------------------------------------------------------

/// <summary>A key was added (the first one, a rotation, or the key file's key).</summary>
public sealed record SigningKeyAdded(SigningKeyEntry Key)
{
    public override string ToString() => $"SigningKeyAdded {{ {Key} }}";
}

/// <summary>The whole key set, written when stored keys are rewritten (encrypted with a newly configured KEK, or moved from the one-key format).</summary>
public sealed record SigningKeySnapshot(IReadOnlyList<SigningKeyEntry> Keys);

/// <summary>Marks the rewrite: the events before it are deleted; this one carries no key material.</summary>
public sealed record SigningKeysRewritten(DateTimeOffset At);
