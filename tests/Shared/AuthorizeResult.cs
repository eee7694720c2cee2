using Duende.IdentityModel.Client;

namespace OAuth2.Actors.Testing;

/// <summary>Where the authorization request ended: the redirect to the client (parsed by Duende's <see cref="AuthorizeResponse"/>).</summary>
public sealed record AuthorizeResult(string Location, bool ConsentShown)
{
    private readonly AuthorizeResponse _response = new(Location);

    public string? Code => _response.Code;

    public string? State => _response.State;

    public string? Issuer => _response.Issuer;

    public string? Error => _response.Error;

    public string? ErrorDescription => _response.ErrorDescription;
}
