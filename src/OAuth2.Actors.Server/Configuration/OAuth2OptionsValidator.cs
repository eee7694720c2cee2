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

        if (options.SeedNodes.Length > 0)
        {
            // Nodes of one cluster must share their state and their name: refuse what would silently split them.
            if (database is { IsSqlite: true })
            {
                failures.Add("OAUTH2_CLUSTER_SEEDS is set but the database is SQLite, a file of this node's own: entities that move between nodes would lose their history and each node could make its own signing key. Set OAUTH2_DATABASE_URL to the PostgreSQL database the nodes share.");
            }

            if (string.IsNullOrWhiteSpace(options.Issuer))
            {
                failures.Add("OAUTH2_CLUSTER_SEEDS is set but OAUTH2_ISSUER is not: every node must issue and accept tokens under the same issuer. Set OAUTH2_ISSUER to the public URL of the cluster.");
            }
        }

        failures.AddRange(ClusterTransport.Problems(options));

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
