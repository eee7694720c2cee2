namespace OAuth2.Actors.Auth.Registration;

/// <summary>A request to <c>/clients/register</c> on its way through <see cref="RegistrationEndpoint"/>.</summary>
public sealed class RegistrationContext(AuthServices services, RegistrationEndpointRequest request) : EndpointContext(services, request.Context)
{
    public PresentedAuthorization Authorization { get; } = request.Authorization;

    public ClientMetadata Metadata { get; } = request.Metadata;

    /// <summary>Presented the initial access token or an admin token: reserved scopes may be registered.</summary>
    public bool Privileged { get; set; }
}
