namespace OAuth2.Actors.Auth.Introspection;

/// <summary>A request to <c>/oauth/introspect</c> on its way through <see cref="IntrospectionEndpoint"/>.</summary>
public sealed class IntrospectionContext(AuthServices services, IntrospectionEndpointRequest request)
    : FormEndpointContext(services, request.Context, request.Authorization, request.Form);
