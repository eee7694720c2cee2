using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Auth.ClientManagement;

/// <summary>A request to <c>/clients/{id}</c> on its way through <see cref="ClientManagementEndpoint"/>.</summary>
public sealed class ClientManagementContext(AuthServices services, ClientManagementRequest request) : EndpointContext(services, request.Context)
{
    public ClientManagementRequest Message { get; } = request;

    /// <summary>Who asks: the client's registration access token, or an admin token.</summary>
    public ClientManagementAccess? Access { get; set; }
}
