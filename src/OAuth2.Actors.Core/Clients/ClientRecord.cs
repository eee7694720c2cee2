namespace OAuth2.Actors.Clients;

/// <summary>A registered client as kept in the journal: metadata and hashes, never a secret in clear.</summary>
public sealed record ClientRecord(
    string ClientId,
    string? ClientName,
    string[] RedirectUris,
    string[] GrantTypes,
    string[] ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope,
    string? SecretHash,
    string? RegistrationTokenHash,
    long IssuedAt,
    bool OpenlyRegistered = false,
    long? FirstAuthenticatedAt = null)
{
    public bool IsConfidential => TokenEndpointAuthMethod != ClientAuthMethods.None;

    public bool AllowsGrant(string grantType) => GrantTypes.Contains(grantType, StringComparer.Ordinal);

    public IReadOnlyList<string> ScopeList => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Never the secret or registration-token hashes.</summary>
    public override string ToString() =>
        $"ClientRecord {{ ClientId = {ClientId}, TokenEndpointAuthMethod = {TokenEndpointAuthMethod}, Scope = {Scope}, OpenlyRegistered = {OpenlyRegistered} }}";

    public ClientView ToView() => new(ClientId, ClientName, RedirectUris, GrantTypes, ResponseTypes, TokenEndpointAuthMethod, Scope, OpenlyRegistered);

    /// <summary>Registered openly, never used, and older than <paramref name="ttl"/> (zero: never).</summary>
    public bool IsUnusedPast(TimeSpan ttl, DateTimeOffset now) =>
        ttl > TimeSpan.Zero && OpenlyRegistered && FirstAuthenticatedAt is null && now.ToUnixTimeSeconds() - IssuedAt >= (long)ttl.TotalSeconds;
}

/// <summary>
/// What other actors may know of a client: no hashes. <paramref name="OpenlyRegistered"/>: registered without a token,
/// so its redirect URIs are whatever anyone chose (authorization errors are not redirected to them untrusted).
/// </summary>
public sealed record ClientView(
    string ClientId,
    string? ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope,
    bool OpenlyRegistered = false)
{
    public bool AllowsGrant(string grantType) => GrantTypes.Contains(grantType, StringComparer.Ordinal);

    public IReadOnlyList<string> ScopeList => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
