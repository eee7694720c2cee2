namespace OAuth2.Actors.Auth.Revocation;

/// <summary>A request to <c>/oauth/revoke</c> on its way through <see cref="RevocationEndpoint"/>.</summary>
public sealed class RevocationContext(AuthServices services, RevocationEndpointRequest request)
    : FormEndpointContext(services, request.Context, request.Authorization, request.Form)
{
    public string Token => Form.Get(Parameters.Token)!;
}
