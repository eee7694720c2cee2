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
    long IssuedAt)
{
    public bool IsConfidential => TokenEndpointAuthMethod != ClientAuthMethods.None;

    public bool AllowsGrant(string grantType) => GrantTypes.Contains(grantType, StringComparer.Ordinal);

    public IReadOnlyList<string> ScopeList => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public ClientView ToView() => new(ClientId, ClientName, RedirectUris, GrantTypes, ResponseTypes, TokenEndpointAuthMethod, Scope);
}

/// <summary>What other actors may know of a client: no hashes.</summary>
public sealed record ClientView(
    string ClientId,
    string? ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string Scope)
{
    public bool AllowsGrant(string grantType) => GrantTypes.Contains(grantType, StringComparer.Ordinal);

    public IReadOnlyList<string> ScopeList => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
