using OAuth2.Actors.Clients;
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
        else if (scopes.Any(ClientMetadataValidator.ReservedScopes.Contains))
        {
            failures.Add("OAUTH2_DEFAULT_CLIENT_SCOPE must not contain admin or events:* scopes.");
        }

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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
