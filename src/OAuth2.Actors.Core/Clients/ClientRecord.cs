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
    long? FirstAuthenticatedAt = null,
    bool Disabled = false,
    long? DisabledAt = null)
{
    public bool IsConfidential => TokenEndpointAuthMethod != ClientAuthMethods.None;

    public bool AllowsGrant(string grantType) => GrantTypes.Contains(grantType, StringComparer.Ordinal);

    public IReadOnlyList<string> ScopeList => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Never the secret or registration-token hashes.</summary>
    public override string ToString() =>
        $"ClientRecord {{ ClientId = {ClientId}, TokenEndpointAuthMethod = {TokenEndpointAuthMethod}, Scope = {Scope}, OpenlyRegistered = {OpenlyRegistered} }}";

    public ClientView ToView() => new(ClientId, ClientName, RedirectUris, GrantTypes, ResponseTypes, TokenEndpointAuthMethod, Scope, OpenlyRegistered, Disabled);

    public ClientSummary ToSummary() =>
        new(ClientId, ClientName, RedirectUris, GrantTypes, ResponseTypes, TokenEndpointAuthMethod, Scope, IssuedAt, OpenlyRegistered, FirstAuthenticatedAt, Disabled, DisabledAt);

    /// <summary>Registered openly, never used, and older than <paramref name="ttl"/> (zero: never).</summary>
    public bool IsUnusedPast(TimeSpan ttl, DateTimeOffset now) =>
        ttl > TimeSpan.Zero && OpenlyRegistered && FirstAuthenticatedAt is null && now.ToUnixTimeSeconds() - IssuedAt >= (long)ttl.TotalSeconds;
}

/// <summary>
/// What an administrator sees of a client (the admin API, the console and the client directory): every fact but the
/// secret and registration-token hashes. Times are unix seconds; <paramref name="DisabledAt"/>: when it was last disabled
/// (kept once enabled again).
/// </summary>
public sealed record ClientSummary(
    string ClientId,
    string? ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope,
    long IssuedAt,
    bool OpenlyRegistered,
    long? FirstAuthenticatedAt,
    bool Disabled,
    long? DisabledAt = null);

/// <summary>
/// What other actors may know of a client: no hashes. <paramref name="OpenlyRegistered"/>: registered without a token,
/// so its redirect URIs are whatever anyone chose (authorization errors are not redirected to them untrusted).
/// <paramref name="Disabled"/>: an admin disabled it; it can neither authenticate nor start an authorization.
/// </summary>
public sealed record ClientView(
    string ClientId,
    string? ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope,
    bool OpenlyRegistered = false,
    bool Disabled = false)
{
    public bool AllowsGrant(string grantType) => GrantTypes.Contains(grantType, StringComparer.Ordinal);

    public IReadOnlyList<string> ScopeList => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
