namespace OAuth2.Actors.Configuration;

public enum SigningAlgorithm
{
    ES256,
    RS256,
}

/// <summary>
/// Immutable settings the actors work with. Built once at start from validated options; actors never read
/// configuration themselves.
/// </summary>
public sealed record ServerSettings
{
    public required string Issuer { get; init; }

    public TimeSpan AccessTokenTtl { get; init; } = TimeSpan.FromHours(1);

    public SigningAlgorithm SigningAlgorithm { get; init; } = SigningAlgorithm.ES256;

    /// <summary>
    /// The key-encryption key (OAUTH2_KEY_ENCRYPTION_KEY_FILE): when set, the signing keys are kept in the journal
    /// encrypted with it (docs/security-keys.md); when null, in clear.
    /// </summary>
    public Tokens.KeyEncryptionKey? KeyEncryption { get; init; }

    /// <summary>How long a signing key signs before the next one takes over (OAUTH2_SIGNING_KEY_ROTATION_DAYS); zero: only on demand.</summary>
    public TimeSpan SigningKeyRotation { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long a new signing key is published in the JWKS before it signs (OAUTH2_SIGNING_KEY_LEAD_SECONDS; zero: at once).</summary>
    public TimeSpan SigningKeyLead { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>PEM file whose key is the first current signing key (later ones rotate in, docs/security-keys.md); when null the first key is generated.</summary>
    public string? SigningKeyFile { get; init; }

    /// <summary>When set, client registration requires it as a Bearer token (or an access token with scope admin).</summary>
    public string? RegistrationInitialAccessToken { get; init; }

    /// <summary>Default scope of clients registered without one.</summary>
    public string DefaultClientScope { get; init; } = "read";

    /// <summary>
    /// The one timeout of a request (OAUTH2_REQUEST_TIMEOUT_SECONDS): how long the host waits for the actors, and the
    /// actors for their neighbours (sharded entities, the key store), before answering temporarily_unavailable.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a node trusts a client authentication it has seen succeed without asking the client's entity again
    /// (OAUTH2_CLIENT_CACHE_SECONDS; zero: always ask). A change to the client clears it everywhere before it is
    /// answered; this bounds what a node that was unreachable at that moment keeps.
    /// </summary>
    public TimeSpan ClientCacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan AuthorizationCodeTtl { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RefreshTokenTtl { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long an already-rotated refresh token is tolerated (a client retrying a lost response) before reuse revokes the family.</summary>
    public TimeSpan RefreshTokenReuseLeeway { get; init; } = TimeSpan.Zero;

    /// <summary>PKCE (S256) for confidential clients too; public clients always need it.</summary>
    public bool RequirePkce { get; init; } = true;

    public bool AllowPasswordGrant { get; init; }

    public int LockoutMaxFailures { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Grant types the token endpoint serves with these settings (the registered grant handlers that are enabled);
    /// registration refuses the rest and discovery lists these.
    /// </summary>
    public IReadOnlySet<string> SupportedGrantTypes { get; init; } = Protocol.GrantTypes.Supported;

    public ServerSettings WithIssuer(string issuer) => this with { Issuer = issuer };

    public ServerSettings WithAccessTokenTtl(TimeSpan ttl) => this with { AccessTokenTtl = ttl };

    /// <summary>The audience of access tokens: the issuer, since the server's own endpoints are the first resource.</summary>
    public string Audience => Issuer;

    public string RegistrationClientUri(string clientId) => $"{Issuer.TrimEnd('/')}/clients/{Uri.EscapeDataString(clientId)}";
}
