namespace OAuth2.Actors.Auth.Bearer;

/// <summary>An <see cref="AuthorizeBearer"/> check on its way through <see cref="BearerEndpoint"/>.</summary>
public sealed class BearerCheckContext(AuthServices services, AuthorizeBearer request)
    : BearerEndpointContext(services, request.Context, request.Authorization, request.AnyOfScopes);
