using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Auth;

/// <summary>A request to <c>/oauth/token</c>: the Authorization header as sent and the form as received.</summary>
public sealed record TokenEndpointRequest(string? Authorization, OAuthParameters Form, RequestContext Context)
{
    public override string ToString() => $"TokenEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>A request to <c>/oauth/introspect</c> (RFC 7662).</summary>
public sealed record IntrospectionEndpointRequest(string? Authorization, OAuthParameters Form, RequestContext Context)
{
    public override string ToString() => $"IntrospectionEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>A request to <c>/oauth/revoke</c> (RFC 7009).</summary>
public sealed record RevocationEndpointRequest(string? Authorization, OAuthParameters Form, RequestContext Context)
{
    public override string ToString() => $"RevocationEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>A request to <c>/clients/register</c> (RFC 7591).</summary>
public sealed record RegistrationEndpointRequest(string? Authorization, ClientMetadata Metadata, RequestContext Context)
{
    public override string ToString() => $"RegistrationEndpointRequest {{ CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>Check a Bearer access token for one of the given scopes (for the server's own protected endpoints).</summary>
public sealed record AuthorizeBearer(string? Authorization, IReadOnlyList<string> AnyOfScopes, RequestContext Context)
{
    public override string ToString() => $"AuthorizeBearer {{ Scopes = {string.Join(" ", AnyOfScopes)} }}";
}

/// <summary>The bearer token was valid and carried a required scope.</summary>
public sealed record BearerAuthorized(ActiveToken Token) : OAuthReply;
