using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>
/// Every setting of the server, bound from flat environment names (<c>OAUTH2_*</c>) and validated at start.
/// Defaults are the embedded single-node defaults (SQLite under ./data, in-process events). Each is written once:
/// here for what only the host uses, in <see cref="ServerSettings"/> for what the actors use.
/// </summary>
public sealed class OAuth2Options
{
    private static readonly ServerSettings Defaults = new() { Issuer = "http://127.0.0.1:8080" };

    [ConfigurationKeyName("OAUTH2_SERVER_HOST")]
    public string Host { get; set; } = "127.0.0.1";

    [ConfigurationKeyName("OAUTH2_SERVER_PORT")]
    [Range(0, 65535)]
    public int Port { get; set; } = 8080;

    /// <summary>Defaults to http://{host}:{port} (localhost when bound to every interface).</summary>
    [ConfigurationKeyName("OAUTH2_ISSUER")]
    public string? Issuer { get; set; }

    [ConfigurationKeyName("OAUTH2_DATA_DIR")]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Empty: SQLite file in the data directory. <c>postgres://</c> URL or <c>Host=...</c>: PostgreSQL.</summary>
    [ConfigurationKeyName("OAUTH2_DATABASE_URL")]
    public string? DatabaseUrl { get; set; }

    [ConfigurationKeyName("OAUTH2_ACCESS_TOKEN_TTL")]
    [Range(10, 86_400)]
    public int AccessTokenTtlSeconds { get; set; } = Seconds(Defaults.AccessTokenTtl);

    [ConfigurationKeyName("OAUTH2_SIGNING_ALGORITHM")]
    public SigningAlgorithm SigningAlgorithm { get; set; } = Defaults.SigningAlgorithm;

    [ConfigurationKeyName("OAUTH2_SIGNING_KEY_FILE")]
    public string? SigningKeyFile { get; set; }

    /// <summary>
    /// The key-encryption key: a file holding 32 random bytes in base64. Set, the signing keys (journal) and the
    /// DataProtection key ring (database) are stored encrypted with it (docs/security-keys.md).
    /// </summary>
    [ConfigurationKeyName("OAUTH2_KEY_ENCRYPTION_KEY_FILE")]
    public string? KeyEncryptionKeyFile { get; set; }

    /// <summary>Refuse to start without <see cref="KeyEncryptionKeyFile"/> (production: never keep keys in clear).</summary>
    [ConfigurationKeyName("OAUTH2_REQUIRE_KEY_ENCRYPTION")]
    public bool RequireKeyEncryption { get; set; }

    /// <summary>Days a signing key signs before the next one takes over; 0: rotate only on demand.</summary>
    [ConfigurationKeyName("OAUTH2_SIGNING_KEY_ROTATION_DAYS")]
    [Range(0, 3650)]
    public int SigningKeyRotationDays { get; set; } = (int)Defaults.SigningKeyRotation.TotalDays;

    /// <summary>Seconds a new signing key is published in the JWKS before it signs; 0: it signs at once.</summary>
    [ConfigurationKeyName("OAUTH2_SIGNING_KEY_LEAD_SECONDS")]
    [Range(0, 7 * 86_400)]
    public int SigningKeyLeadSeconds { get; set; } = Seconds(Defaults.SigningKeyLead);

    [ConfigurationKeyName("OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN")]
    public string? RegistrationInitialAccessToken { get; set; }

    /// <summary>Open registration (no token needed): off by default, warned about at start when on.</summary>
    [ConfigurationKeyName("OAUTH2_REGISTRATION_OPEN")]
    public bool RegistrationOpen { get; set; } = Defaults.RegistrationOpen;

    /// <summary>Space- or comma-separated scopes an open registration may ask for; empty: the default client scope.</summary>
    [ConfigurationKeyName("OAUTH2_REGISTRATION_ALLOWED_SCOPES")]
    public string? RegistrationAllowedScopes { get; set; }

    /// <summary>The allow-list as scopes (empty when not set).</summary>
    public string[] RegistrationAllowedScopeList => (RegistrationAllowedScopes ?? string.Empty)
        .Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Seconds an openly registered client that never authenticated is kept; 0: for ever.</summary>
    [ConfigurationKeyName("OAUTH2_REGISTRATION_UNUSED_CLIENT_TTL_SECONDS")]
    [Range(0, 365 * 86_400)]
    public int UnusedClientTtlSeconds { get; set; } = Seconds(Defaults.UnusedClientTtl);

    [ConfigurationKeyName("OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID")]
    public string? BootstrapAdminClientId { get; set; }

    [ConfigurationKeyName("OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET")]
    public string? BootstrapAdminClientSecret { get; set; }

    [ConfigurationKeyName("OAUTH2_DEFAULT_CLIENT_SCOPE")]
    public string DefaultClientScope { get; set; } = Defaults.DefaultClientScope;

    /// <summary>Largest request body any endpoint reads.</summary>
    [ConfigurationKeyName("OAUTH2_MAX_REQUEST_BODY_BYTES")]
    [Range(1024, 10 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    [ConfigurationKeyName("OAUTH2_REQUEST_TIMEOUT_SECONDS")]
    [Range(1, 120)]
    public int RequestTimeoutSeconds { get; set; } = Seconds(Defaults.RequestTimeout);

    /// <summary>How long a node reuses a client authentication it saw succeed (0: ask the client's entity every time).</summary>
    [ConfigurationKeyName("OAUTH2_CLIENT_CACHE_SECONDS")]
    [Range(0, 3600)]
    public int ClientCacheSeconds { get; set; } = Seconds(Defaults.ClientCacheTtl);

    /// <summary>Cluster: this node's remoting address. Port 0 picks a free port (single node).</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_HOST")]
    public string ClusterHost { get; set; } = "127.0.0.1";

    [ConfigurationKeyName("OAUTH2_CLUSTER_PORT")]
    [Range(0, 65535)]
    public int ClusterPort { get; set; }

    /// <summary>The host name other nodes reach this one by, when it differs from the bind address (a container binding 0.0.0.0 advertises its pod or host name).</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_PUBLIC_HOST")]
    public string? ClusterPublicHost { get; set; }

    /// <summary>Comma-separated seed nodes (<c>akka.tcp://oauth2@host:port</c>, <c>akka.ssl.tcp://</c> with TLS); empty: this node forms a one-node cluster.</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_SEEDS")]
    public string? ClusterSeeds { get; set; }

    /// <summary>The seed nodes, one per entry of <see cref="ClusterSeeds"/>.</summary>
    public string[] SeedNodes => List(ClusterSeeds);

    /// <summary>
    /// How nodes find each other: <c>seeds</c> (<see cref="ClusterSeeds"/>, or a one-node cluster), or Akka.Management
    /// cluster bootstrap over an Akka.Discovery provider (<c>config</c>, <c>kubernetes</c>), for deployments whose
    /// addresses are not known in advance.
    /// </summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_DISCOVERY")]
    public ClusterDiscovery ClusterDiscovery { get; set; } = ClusterDiscovery.Seeds;

    /// <summary>Discovery <c>config</c>: comma-separated <c>host:managementPort</c> of the nodes that may form the cluster.</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS")]
    public string? ClusterDiscoveryEndpoints { get; set; }

    /// <summary>The contact points, one per entry of <see cref="ClusterDiscoveryEndpoints"/>.</summary>
    public string[] DiscoveryEndpoints => List(ClusterDiscoveryEndpoints);

    /// <summary>Discovery <c>kubernetes</c>: the label selector of this server's pods.</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_DISCOVERY_POD_LABEL_SELECTOR")]
    public string ClusterDiscoveryPodLabelSelector { get; set; } = "app=oauth2";

    /// <summary>Discovery <c>kubernetes</c>: the namespace to list pods in; empty: the pod's own (from its service account).</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_DISCOVERY_NAMESPACE")]
    public string? ClusterDiscoveryNamespace { get; set; }

    /// <summary>
    /// Where Prometheus scrapes <c>/metrics</c>: 0 (the default) serves it on the main port to a bearer token with
    /// <c>metrics:read</c> or <c>admin</c>; a port serves it there without authentication (for a private network) and
    /// not on the main port.
    /// </summary>
    [ConfigurationKeyName("OAUTH2_METRICS_PORT")]
    [Range(0, 65535)]
    public int MetricsPort { get; set; }

    /// <summary>
    /// Where the metrics go (OpenTelemetry's standard variable; read before start, validated here): unset, to <c>/metrics</c>,
    /// and over OTLP too when an OTLP endpoint for metrics is set; otherwise <c>prometheus</c>, <c>otlp</c>, both
    /// (comma-separated), or <c>none</c>. One exporter aggregates each measurement once; two, twice.
    /// </summary>
    [ConfigurationKeyName("OTEL_METRICS_EXPORTER")]
    [RegularExpression(@"(?i)^\s*(none|(prometheus|otlp)(\s*,\s*(prometheus|otlp))*)\s*$", ErrorMessage = "OTEL_METRICS_EXPORTER must be none, or prometheus, otlp or both (comma-separated).")]
    public string? MetricsExporter { get; set; }

    /// <summary>Console logs: <c>text</c> (the default) or <c>json</c>, one object per line with trace and correlation ids (read before start, validated here).</summary>
    [ConfigurationKeyName("OAUTH2_LOG_FORMAT")]
    [RegularExpression("(?i)^(text|json)$", ErrorMessage = "OAUTH2_LOG_FORMAT must be text or json.")]
    public string LogFormat { get; set; } = "text";

    /// <summary>Akka.Management's HTTP port (discovery only): bootstrap asks the contact points on it who is already in a cluster.</summary>
    [ConfigurationKeyName("OAUTH2_MANAGEMENT_PORT")]
    [Range(1, 65535)]
    public int ManagementPort { get; set; } = 8558;

    /// <summary>Discovery only: how many contact points bootstrap must see before the lowest of them forms a new cluster.</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_REQUIRED_CONTACTS")]
    public int ClusterRequiredContacts { get; set; } = 2;

    /// <summary>True when this node is meant to run with others (seeds, or any discovery): it then needs shared state and one issuer.</summary>
    public bool IsMultiNode => SeedNodes.Length > 0 || ClusterDiscovery != ClusterDiscovery.Seeds;

    /// <summary>
    /// The cluster's certificate and private key, a PKCS#12 file (.pfx/.p12). Set: Akka.Remote speaks TLS and a node
    /// accepts a peer only if the peer presents this very certificate, so only holders of the file can join or send;
    /// seeds are then <c>akka.ssl.tcp://</c> addresses. Unset: remoting is plain TCP (fine on loopback only).
    /// </summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_TLS_CERT_FILE")]
    public string? ClusterTlsCertFile { get; set; }

    /// <summary>The password of <see cref="ClusterTlsCertFile"/>; empty for a file without one.</summary>
    [ConfigurationKeyName("OAUTH2_CLUSTER_TLS_CERT_PASSWORD")]
    public string? ClusterTlsCertPassword { get; set; }

    [ConfigurationKeyName("OAUTH2_TOKEN_ACTORS")]
    [Range(0, 64)]
    public int TokenActors { get; set; }

    [ConfigurationKeyName("OAUTH2_AUTHORIZATION_CODE_TTL")]
    [Range(5, 600)]
    public int AuthorizationCodeTtlSeconds { get; set; } = Seconds(Defaults.AuthorizationCodeTtl);

    [ConfigurationKeyName("OAUTH2_REFRESH_TOKEN_TTL")]
    [Range(60, 365 * 86_400)]
    public int RefreshTokenTtlSeconds { get; set; } = Seconds(Defaults.RefreshTokenTtl);

    [ConfigurationKeyName("OAUTH2_REFRESH_TOKEN_REUSE_LEEWAY")]
    [Range(0, 300)]
    public int RefreshTokenReuseLeewaySeconds { get; set; } = Seconds(Defaults.RefreshTokenReuseLeeway);

    [ConfigurationKeyName("OAUTH2_REQUIRE_PKCE")]
    public bool RequirePkce { get; set; } = Defaults.RequirePkce;

    [ConfigurationKeyName("OAUTH2_ALLOW_PASSWORD_GRANT")]
    public bool AllowPasswordGrant { get; set; } = Defaults.AllowPasswordGrant;

    [ConfigurationKeyName("OAUTH2_USER_SIGNUP")]
    public bool UserSignup { get; set; }

    /// <summary>Wrong passwords in a row before a username's sign-ins are spaced out (default 5; before, OAUTH2_LOCKOUT_MAX_FAILURES).</summary>
    [ConfigurationKeyName("OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES")]
    [Range(1, 1000)]
    public int? SignInBackoffAfterFailures { get; set; }

    /// <summary>The first wait, doubled with each further failure.</summary>
    [ConfigurationKeyName("OAUTH2_SIGNIN_BACKOFF_SECONDS")]
    [Range(1, 3600)]
    public int SignInBackoffSeconds { get; set; } = Seconds(Defaults.SignInBackoffInitial);

    /// <summary>The longest wait (default 300; before, OAUTH2_LOCKOUT_SECONDS, the length of the lock).</summary>
    [ConfigurationKeyName("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS")]
    [Range(1, 86_400)]
    public int? SignInBackoffMaxSeconds { get; set; }

    /// <summary>Deprecated (lockout was replaced by back-off): read as OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES when that is not set.</summary>
    [ConfigurationKeyName("OAUTH2_LOCKOUT_MAX_FAILURES")]
    [Range(1, 1000)]
    public int? LockoutMaxFailures { get; set; }

    /// <summary>Deprecated: read as OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS when that is not set.</summary>
    [ConfigurationKeyName("OAUTH2_LOCKOUT_SECONDS")]
    [Range(1, 86_400)]
    public int? LockoutSeconds { get; set; }

    public int EffectiveSignInBackoffAfterFailures => SignInBackoffAfterFailures ?? LockoutMaxFailures ?? Defaults.SignInBackoffAfterFailures;

    public int EffectiveSignInBackoffMaxSeconds => SignInBackoffMaxSeconds ?? LockoutSeconds ?? Seconds(Defaults.SignInBackoffMax);

    /// <summary>PBKDF2-HMAC-SHA512 iterations of new password hashes (OWASP: 210,000); at least 100,000 outside tests.</summary>
    [ConfigurationKeyName("OAUTH2_PASSWORD_HASH_ITERATIONS")]
    [Range(1, 10_000_000)]
    public int PasswordHashIterations { get; set; } = Defaults.PasswordHashIterations;

    /// <summary>Test suites only: allows OAUTH2_PASSWORD_HASH_ITERATIONS below 100,000 (fast tests). Never in production.</summary>
    [ConfigurationKeyName("OAUTH2_TEST_ONLY_ALLOW_WEAK_PASSWORD_HASHING")]
    public bool TestOnlyAllowWeakPasswordHashing { get; set; }

    /// <summary>Password hashes run at once per node; 0: half the processors (at least 1).</summary>
    [ConfigurationKeyName("OAUTH2_PASSWORD_HASH_WORKERS")]
    [Range(0, 256)]
    public int PasswordHashWorkers { get; set; }

    /// <summary>How long a node answers an unknown username, client id or refresh grant from memory (0: off).</summary>
    [ConfigurationKeyName("OAUTH2_UNKNOWN_ID_CACHE_SECONDS")]
    [Range(0, 300)]
    public int UnknownIdCacheSeconds { get; set; } = Seconds(Defaults.UnknownIdCacheTtl);

    [ConfigurationKeyName("OAUTH2_UNKNOWN_ID_CACHE_SIZE")]
    [Range(1, 1_000_000)]
    public int UnknownIdCacheSize { get; set; } = Defaults.UnknownIdCacheSize;

    /// <summary>Sign-in attempts (sign-in form posts, password-grant token requests) per source address and minute; 0: no limit.</summary>
    [ConfigurationKeyName("OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE")]
    [Range(0, 1_000_000)]
    public int RateLimitSignInPerMinute { get; set; } = 30;

    /// <summary>Failed client authentications at the token, introspection and revocation endpoints per source address and minute; 0: no limit.</summary>
    [ConfigurationKeyName("OAUTH2_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_MINUTE")]
    [Range(0, 1_000_000)]
    public int RateLimitClientAuthFailuresPerMinute { get; set; } = 60;

    /// <summary>Registrations without a bearer token (open registration) per source address and minute; 0: no limit.</summary>
    [ConfigurationKeyName("OAUTH2_RATE_LIMIT_REGISTRATIONS_PER_MINUTE")]
    [Range(0, 1_000_000)]
    public int RateLimitRegistrationsPerMinute { get; set; } = 10;

    /// <summary>Events ingested per authenticated client and minute; 0: no limit.</summary>
    [ConfigurationKeyName("OAUTH2_RATE_LIMIT_INGEST_PER_MINUTE")]
    [Range(0, 100_000_000)]
    public int RateLimitIngestPerMinute { get; set; } = 6000;

    /// <summary>
    /// More scopes that, like admin and events:*, a user gets through a user grant only with a role of the same name
    /// (space- or comma-separated).
    /// </summary>
    [ConfigurationKeyName("OAUTH2_RESERVED_SCOPES")]
    public string? ReservedScopes { get; set; }

    /// <summary>Every reserved scope: the built-in ones and <see cref="ReservedScopes"/>.</summary>
    public IReadOnlySet<string> AllReservedScopes =>
        new HashSet<string>(Defaults.ReservedScopes.Concat((ReservedScopes ?? string.Empty).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)), StringComparer.Ordinal);

    /// <summary>How long a browser session lasts at most from its sign-in, however active (8 hours).</summary>
    [ConfigurationKeyName("OAUTH2_SESSION_ABSOLUTE_LIFETIME_SECONDS")]
    [Range(60, 30 * 86_400)]
    public int SessionAbsoluteLifetimeSeconds { get; set; } = 8 * 3600;

    /// <summary>How long a browser session lasts without use (sliding, renewed as it is used, within the absolute lifetime).</summary>
    [ConfigurationKeyName("OAUTH2_SESSION_IDLE_TIMEOUT_SECONDS")]
    [Range(60, 30 * 86_400)]
    public int SessionIdleTimeoutSeconds { get; set; } = 3600;
    /// <summary>RFC 8707: the <c>aud</c> of access tokens requested without a <c>resource</c> (default: the issuer).</summary>
    [ConfigurationKeyName("OAUTH2_DEFAULT_AUDIENCE")]
    public string? DefaultAudience { get; set; }

    /// <summary>OAUTH2_ISSUER, else http://{host}:{port}: the rule the event sinks share (<see cref="IssuerSetting"/>).</summary>
    public string EffectiveIssuer => IssuerSetting.Effective(Issuer, Host, Port);

    /// <summary>An https issuer: cookies are Secure and requests count as https even behind a TLS-terminating proxy.</summary>
    public bool IssuesOverHttps => EffectiveIssuer.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>An http issuer on a loopback address (a developer's machine): the one case where cookies are not Secure.</summary>
    public bool IssuesOverLoopbackHttp =>
        !IssuesOverHttps && Uri.TryCreate(EffectiveIssuer, UriKind.Absolute, out var issuer) && issuer.IsLoopback;

    public ServerSettings ToSettings() => new()
    {
        Issuer = EffectiveIssuer,
        AccessTokenTtl = TimeSpan.FromSeconds(AccessTokenTtlSeconds),
        RequestTimeout = TimeSpan.FromSeconds(RequestTimeoutSeconds),
        ClientCacheTtl = TimeSpan.FromSeconds(ClientCacheSeconds),
        SigningAlgorithm = SigningAlgorithm,
        SigningKeyFile = string.IsNullOrWhiteSpace(SigningKeyFile) ? null : SigningKeyFile,
        KeyEncryption = string.IsNullOrWhiteSpace(KeyEncryptionKeyFile) ? null : KeyEncryptionKey.FromFile(KeyEncryptionKeyFile),
        SigningKeyRotation = TimeSpan.FromDays(SigningKeyRotationDays),
        SigningKeyLead = TimeSpan.FromSeconds(SigningKeyLeadSeconds),
        RegistrationInitialAccessToken = string.IsNullOrEmpty(RegistrationInitialAccessToken) ? null : RegistrationInitialAccessToken,
        DefaultClientScope = DefaultClientScope,
        RegistrationOpen = RegistrationOpen,
        RegistrationAllowedScopes = RegistrationAllowedScopeList is { Length: > 0 } allowed ? new HashSet<string>(allowed, StringComparer.Ordinal) : null,
        UnusedClientTtl = TimeSpan.FromSeconds(UnusedClientTtlSeconds),
        AuthorizationCodeTtl = TimeSpan.FromSeconds(AuthorizationCodeTtlSeconds),
        RefreshTokenTtl = TimeSpan.FromSeconds(RefreshTokenTtlSeconds),
        RefreshTokenReuseLeeway = TimeSpan.FromSeconds(RefreshTokenReuseLeewaySeconds),
        RequirePkce = RequirePkce,
        AllowPasswordGrant = AllowPasswordGrant,
        ReservedScopes = AllReservedScopes,
        DefaultAudience = string.IsNullOrWhiteSpace(DefaultAudience) ? null : DefaultAudience,
        SignInBackoffAfterFailures = EffectiveSignInBackoffAfterFailures,
        SignInBackoffInitial = TimeSpan.FromSeconds(SignInBackoffSeconds),
        SignInBackoffMax = TimeSpan.FromSeconds(EffectiveSignInBackoffMaxSeconds),
        PasswordHashIterations = PasswordHashIterations,
        PasswordHashWorkers = PasswordHashWorkers > 0 ? PasswordHashWorkers : Defaults.PasswordHashWorkers,
        UnknownIdCacheTtl = TimeSpan.FromSeconds(UnknownIdCacheSeconds),
        UnknownIdCacheSize = UnknownIdCacheSize,
    };

    private static int Seconds(TimeSpan value) => (int)value.TotalSeconds;

    private static string[] List(string? value) => (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
