using System.Text.Json;
using Duende.IdentityModel.Client;

namespace OAuth2.Actors.Testing;

/// <summary>
/// A client registered through <c>/clients/register</c>, with the registration response as received;
/// <see cref="ClientSecret"/> is null for a public client.
/// </summary>
public sealed record RegisteredClient(string ClientId, string? ClientSecret, JsonElement Registration = default)
{
    public string RegistrationAccessToken { get; init; } = string.Empty;

    public string RegistrationClientUri { get; init; } = string.Empty;

    public string RedirectUri { get; init; } = string.Empty;

    /// <summary>Public clients send their id in the body; confidential ones authenticate with HTTP Basic.</summary>
    public ClientCredentialStyle Style => ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader;
}
