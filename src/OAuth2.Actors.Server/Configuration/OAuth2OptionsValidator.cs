using OAuth2.Actors.Clients;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>Refuses to start on settings that cannot work, naming the variable at fault.</summary>
public sealed class OAuth2OptionsValidator : IValidateOptions<OAuth2Options>
{
    public ValidateOptionsResult Validate(string? name, OAuth2Options options)
    {
        var failures = new List<string>();

        if (!Uri.TryCreate(options.EffectiveIssuer, UriKind.Absolute, out var issuer) || issuer.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
        {
            failures.Add($"OAUTH2_ISSUER '{options.EffectiveIssuer}' must be an absolute http(s) URL without query or fragment.");
        }

        if (!string.IsNullOrWhiteSpace(options.DefaultAudience) && ResourceIndicators.Problem(options.DefaultAudience) is { } audienceProblem)
        {
            failures.Add($"OAUTH2_DEFAULT_AUDIENCE '{options.DefaultAudience}' is not usable as an audience: {audienceProblem}");
        }

        if (options.SigningKeyFile is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                failures.Add($"OAUTH2_SIGNING_KEY_FILE '{file}' does not exist.");
            }
            else
            {
                try
                {
                    SigningKeyMaterial.FromPem(File.ReadAllText(file));
                }
                catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    failures.Add($"OAUTH2_SIGNING_KEY_FILE '{file}' is not a usable P-256 or RSA (2048+) private key: {e.Message}");
                }
            }
        }

        KeyEncryptionRules(options, failures);

        var hasId = !string.IsNullOrEmpty(options.BootstrapAdminClientId);
        var hasSecret = !string.IsNullOrEmpty(options.BootstrapAdminClientSecret);
        if (hasId != hasSecret)
        {
            failures.Add("OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID and OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET must be set together.");
        }

        if (hasSecret && options.BootstrapAdminClientSecret!.Length < 32)
        {
            // The secret is stored as a fast salted hash, which is only safe for high-entropy secrets.
            failures.Add("OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET must be at least 32 characters (use a random value).");
        }

        if (options.RegistrationInitialAccessToken is { Length: > 0 and < 32 })
        {
            failures.Add("OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN must be at least 32 characters (use a random value).");
        }

        if (!ScopeSyntax.TryParse(options.DefaultClientScope, out var scopes) || scopes.Length == 0)
        {
            failures.Add($"OAUTH2_DEFAULT_CLIENT_SCOPE '{options.DefaultClientScope}' is not a valid scope list.");
        }
        else if (scopes.Any(options.AllReservedScopes.Contains))
        {
            failures.Add("OAUTH2_DEFAULT_CLIENT_SCOPE must not contain a reserved scope (admin, events:*, OAUTH2_RESERVED_SCOPES).");
        }

        if (options.RegistrationAllowedScopeList is { Length: > 0 } allowed)
        {
            if (!ScopeSyntax.TryParse(string.Join(' ', allowed), out _))
            {
                failures.Add($"OAUTH2_REGISTRATION_ALLOWED_SCOPES '{options.RegistrationAllowedScopes}' is not a valid scope list.");
            }
            else if (allowed.FirstOrDefault(options.AllReservedScopes.Contains) is { } reserved)
            {
                failures.Add($"OAUTH2_REGISTRATION_ALLOWED_SCOPES must not contain '{reserved}': reserved scopes are registered only with the initial access token or an admin token.");
            }
        }

        if (options.UnusedClientTtlSeconds is > 0 and < 60)
        {
            failures.Add("OAUTH2_REGISTRATION_UNUSED_CLIENT_TTL_SECONDS must be 0 (keep every client) or at least 60.");
        }

        SignInLimitRules(options, failures);

        DatabaseSettings? database = null;
        try
        {
            database = DatabaseSettings.From(options);
        }
        catch (FormatException e)
        {
            failures.Add(e.Message);
        }

        ClusterMembershipRules(options, failures);

        if (options.IsMultiNode)
        {
            // Nodes of one cluster must share their state and their name: refuse what would silently split them.
            var cause = options.SeedNodes.Length > 0 ? "OAUTH2_CLUSTER_SEEDS is set" : $"OAUTH2_CLUSTER_DISCOVERY is '{Name(options.ClusterDiscovery)}'";
            if (database is { IsSqlite: true })
            {
                failures.Add($"{cause} but the database is SQLite, a file of this node's own: entities that move between nodes would lose their history and each node could make its own signing key. Set OAUTH2_DATABASE_URL to the PostgreSQL database the nodes share.");
            }

            if (string.IsNullOrWhiteSpace(options.Issuer))
            {
                failures.Add($"{cause} but OAUTH2_ISSUER is not: every node must issue and accept tokens under the same issuer. Set OAUTH2_ISSUER to the public URL of the cluster.");
            }
        }

        failures.AddRange(ClusterTransport.Problems(options));
        UserAndSessionRules(options, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Extra reserved scopes in scope syntax, and a session idle timeout within its absolute lifetime.</summary>
    private static void UserAndSessionRules(OAuth2Options options, List<string> failures)
    {
        var reserved = (options.ReservedScopes ?? string.Empty).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        if (reserved.Any(s => !ScopeSyntax.TryParse(s, out var parsed) || parsed.Length != 1))
        {
            failures.Add($"OAUTH2_RESERVED_SCOPES '{options.ReservedScopes}' is not a list of scopes (RFC 6749 3.3 scope tokens, separated by spaces or commas).");
        }

        if (options.SessionIdleTimeoutSeconds > options.SessionAbsoluteLifetimeSeconds)
        {
            failures.Add($"OAUTH2_SESSION_IDLE_TIMEOUT_SECONDS ({options.SessionIdleTimeoutSeconds}) must not exceed OAUTH2_SESSION_ABSOLUTE_LIFETIME_SECONDS ({options.SessionAbsoluteLifetimeSeconds}).");
        }
    }

    /// <summary>Seeds or discovery, never both (two ways of joining would race), and a discovery that can find someone.</summary>
    private static void ClusterMembershipRules(OAuth2Options options, List<string> failures)
    {
        if (options.ClusterRequiredContacts < 1)
        {
            failures.Add($"OAUTH2_CLUSTER_REQUIRED_CONTACTS is {options.ClusterRequiredContacts}: bootstrap needs at least 1 contact point (this node) before it forms a cluster.");
        }

        if (options.ClusterDiscovery == ClusterDiscovery.Seeds)
        {
            return;
        }

        if (options.SeedNodes.Length > 0)
        {
            failures.Add($"OAUTH2_CLUSTER_SEEDS is set and OAUTH2_CLUSTER_DISCOVERY is '{Name(options.ClusterDiscovery)}': a node joins either through seeds or through bootstrap, not both. Unset one of them.");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterPublicHost) && options.ClusterHost is "0.0.0.0" or "::" or "*" or "+")
        {
            failures.Add($"OAUTH2_CLUSTER_HOST is '{options.ClusterHost}' (every interface) and OAUTH2_CLUSTER_PUBLIC_HOST is not set: bootstrap must know the address discovery returns for this node (in Kubernetes, the pod IP). Set OAUTH2_CLUSTER_PUBLIC_HOST.");
        }

        if (options.ClusterDiscovery == ClusterDiscovery.Config)
        {
            var endpoints = options.DiscoveryEndpoints;
            if (endpoints.Length == 0)
            {
                failures.Add("OAUTH2_CLUSTER_DISCOVERY is 'config' but OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS is empty: list every node's management endpoint, host:port, comma-separated.");
            }

            foreach (var endpoint in endpoints.Where(e => !IsHostAndPort(e)))
            {
                failures.Add($"OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS entry '{endpoint}' is not host:port (the node's OAUTH2_MANAGEMENT_PORT).");
            }

            if (endpoints.Length > 0 && options.ClusterRequiredContacts > endpoints.Length)
            {
                failures.Add($"OAUTH2_CLUSTER_REQUIRED_CONTACTS is {options.ClusterRequiredContacts} but OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS lists {endpoints.Length}: bootstrap would wait for ever.");
            }
        }

        if (options.ClusterDiscovery == ClusterDiscovery.Kubernetes && string.IsNullOrWhiteSpace(options.ClusterDiscoveryPodLabelSelector))
        {
            failures.Add("OAUTH2_CLUSTER_DISCOVERY is 'kubernetes' but OAUTH2_CLUSTER_DISCOVERY_POD_LABEL_SELECTOR is empty: it would list every pod of the namespace.");
        }
    }

    /// <summary>Password hashing strong enough outside tests; a back-off whose longest wait is not shorter than its first.</summary>
    private static void SignInLimitRules(OAuth2Options options, List<string> failures)
    {
        if (options.PasswordHashIterations < MinimumPasswordHashIterations && !options.TestOnlyAllowWeakPasswordHashing)
        {
            failures.Add($"OAUTH2_PASSWORD_HASH_ITERATIONS is {options.PasswordHashIterations}: at least {MinimumPasswordHashIterations} (OWASP asks 210,000 for PBKDF2-HMAC-SHA512). Lower values are for test suites only (OAUTH2_TEST_ONLY_ALLOW_WEAK_PASSWORD_HASHING=true).");
        }

        if (options.EffectiveSignInBackoffMaxSeconds < options.SignInBackoffSeconds)
        {
            failures.Add($"OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS ({options.EffectiveSignInBackoffMaxSeconds}) is shorter than OAUTH2_SIGNIN_BACKOFF_SECONDS ({options.SignInBackoffSeconds}), the first wait.");
        }
    }

    /// <summary>The fewest PBKDF2 iterations accepted outside tests.</summary>
    public const int MinimumPasswordHashIterations = 100_000;

    private static bool IsHostAndPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535;
    }

    private static string Name(ClusterDiscovery discovery) => discovery.ToString().ToLowerInvariant();

    /// <summary>A readable KEK file when one is named or required; a lead shorter than the rotation period.</summary>
    private static void KeyEncryptionRules(OAuth2Options options, List<string> failures)
    {
        if (options.KeyEncryptionKeyFile is { Length: > 0 } kek)
        {
            if (!File.Exists(kek))
            {
                failures.Add($"OAUTH2_KEY_ENCRYPTION_KEY_FILE '{kek}' does not exist.");
            }
            else
            {
                try
                {
                    KeyEncryptionKey.FromFile(kek);
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                {
                    failures.Add($"OAUTH2_KEY_ENCRYPTION_KEY_FILE '{kek}' is not a usable key-encryption key: {e.Message}");
                }
            }
        }
        else if (options.RequireKeyEncryption)
        {
            failures.Add("OAUTH2_REQUIRE_KEY_ENCRYPTION is true but OAUTH2_KEY_ENCRYPTION_KEY_FILE is not set: the signing keys and the DataProtection key ring would be stored in clear. Set OAUTH2_KEY_ENCRYPTION_KEY_FILE to a file holding 32 random bytes in base64 (`openssl rand -base64 32`).");
        }

        if (options.SigningKeyRotationDays > 0 && options.SigningKeyLeadSeconds >= options.SigningKeyRotationDays * 86_400L)
        {
            failures.Add($"OAUTH2_SIGNING_KEY_LEAD_SECONDS ({options.SigningKeyLeadSeconds}) must be shorter than OAUTH2_SIGNING_KEY_ROTATION_DAYS ({options.SigningKeyRotationDays} days).");
        }
    }
}
