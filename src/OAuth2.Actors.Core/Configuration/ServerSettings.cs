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

    /// <summary>Registration with it as the Bearer token is privileged: any scope, reserved ones included (an access token with scope admin works too).</summary>
    public string? RegistrationInitialAccessToken { get; init; }

    /// <summary>
    /// Registration without a token (RFC 7591 open registration). Off by default: then only the initial access token or
    /// an admin access token registers clients.
    /// </summary>
    public bool RegistrationOpen { get; init; }

    /// <summary>The scopes an open registration may ask for; null: the default client scope only.</summary>
    public IReadOnlySet<string>? RegistrationAllowedScopes { get; init; }

    /// <summary>
    /// How long an openly registered client that never authenticated is kept (zero: for ever). Each open registration is
    /// a journal write anyone can cause; this bounds what is kept of the ones nobody uses.
    /// </summary>
    public TimeSpan UnusedClientTtl { get; init; } = TimeSpan.Zero;

    /// <summary>The scopes open registration may ask for: <see cref="RegistrationAllowedScopes"/>, else the default client scope.</summary>
    public IReadOnlySet<string> OpenRegistrationScopes => RegistrationAllowedScopes
        ?? new HashSet<string>(DefaultClientScope.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

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

    /// <summary>
    /// How long a change waits for other actors to confirm what follows from it (every node's cache cleared, the client
    /// directory written) before it answers all the same: a second, or the request timeout when that is shorter. A node
    /// that cannot confirm within a second is unreachable; waiting longer only delays the answer.
    /// </summary>
    public TimeSpan ConfirmationTimeout => RequestTimeout < TimeSpan.FromSeconds(1) ? RequestTimeout : TimeSpan.FromSeconds(1);

    /// <summary>
    /// The last second (unix) in which a client disabled at <paramref name="disabledAtUnix"/> may still have been issued a
    /// token: a request that authenticated it just before may finish within the request timeout, and a node that missed
    /// the cache clear trusts its cached authentication for up to the cache's lifetime. Its tokens are revoked up to then,
    /// and it can be enabled again only after.
    /// </summary>
    public long ClientTokenCutOff(long disabledAtUnix) =>
        disabledAtUnix + (long)Math.Ceiling((RequestTimeout + ClientCacheTtl).TotalSeconds);

    public TimeSpan AuthorizationCodeTtl { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RefreshTokenTtl { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long an already-rotated refresh token is tolerated (a client retrying a lost response) before reuse revokes the family.</summary>
    public TimeSpan RefreshTokenReuseLeeway { get; init; } = TimeSpan.Zero;

    /// <summary>PKCE (S256) for confidential clients too; public clients always need it.</summary>
    public bool RequirePkce { get; init; } = true;

    public bool AllowPasswordGrant { get; init; }

    /// <summary>
    /// Scopes a user gets through a user grant (authorization code, password, and their refresh) only when holding a
    /// role of the same name: <c>admin</c>, <c>events:read</c>, <c>events:ingest</c> and OAUTH2_RESERVED_SCOPES.
    /// </summary>
    public IReadOnlySet<string> ReservedScopes { get; init; } = Clients.ClientMetadataValidator.ReservedScopes;

    /// <summary>Wrong passwords in a row a username may have before its sign-ins are spaced out (OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES).</summary>
    public int SignInBackoffAfterFailures { get; init; } = 5;

    /// <summary>The first wait imposed after <see cref="SignInBackoffAfterFailures"/> failures; it doubles with each further failure.</summary>
    public TimeSpan SignInBackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two sign-in attempts of one username, however many failures.</summary>
    public TimeSpan SignInBackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>PBKDF2 (HMAC-SHA512) iterations of new password hashes; older hashes verify and are rehashed at the next sign-in.</summary>
    public int PasswordHashIterations { get; init; } = 210_000;

    /// <summary>How many password hashes run at once on this node (the rest wait, and are dropped if their request times out first).</summary>
    public int PasswordHashWorkers { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>How long a node answers "no such user/client/refresh grant" from memory (zero: always ask the entity).</summary>
    public TimeSpan UnknownIdCacheTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many unknown ids a node remembers (least recently used first out).</summary>
    public int UnknownIdCacheSize { get; init; } = 10_000;

    /// <summary>The wait before the next sign-in of a username after <paramref name="failures"/> wrong passwords in a row.</summary>
    public TimeSpan SignInBackoff(int failures)
    {
        if (failures < SignInBackoffAfterFailures)
        {
            return TimeSpan.Zero;
        }

        var doublings = Math.Min(failures - SignInBackoffAfterFailures, 30);
        var ticks = SignInBackoffInitial.Ticks * (double)(1L << doublings);
        return ticks >= SignInBackoffMax.Ticks ? SignInBackoffMax : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// Grant types the token endpoint serves with these settings (the registered grant handlers that are enabled);
    /// registration refuses the rest and discovery lists these.
    /// </summary>
    public IReadOnlySet<string> SupportedGrantTypes { get; init; } = Protocol.GrantTypes.Supported;

    public ServerSettings WithIssuer(string issuer) => this with { Issuer = issuer };

    public ServerSettings WithAccessTokenTtl(TimeSpan ttl) => this with { AccessTokenTtl = ttl };

    /// <summary>
    /// OAUTH2_DEFAULT_AUDIENCE: the <c>aud</c> of access tokens requested without an RFC 8707 <c>resource</c>; null means
    /// the issuer (the server's own endpoints are the first resource).
    /// </summary>
    public string? DefaultAudience { get; init; }

    /// <summary>The audience of access tokens requested without a <c>resource</c>.</summary>
    public string Audience => DefaultAudience ?? Issuer;

    /// <summary>
    /// Whether a token for <paramref name="audience"/> is meant for this server's own protected endpoints (the admin
    /// API, the events API): the issuer, or the default audience that tokens without a <c>resource</c> carry.
    /// </summary>
    public bool IsOwnAudience(string audience) =>
        string.Equals(audience, Issuer, StringComparison.Ordinal) || string.Equals(audience, Audience, StringComparison.Ordinal);

    public string RegistrationClientUri(string clientId) => $"{Issuer.TrimEnd('/')}/clients/{Uri.EscapeDataString(clientId)}";
}
