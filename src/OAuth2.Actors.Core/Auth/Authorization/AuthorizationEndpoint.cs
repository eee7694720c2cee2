namespace OAuth2.Actors.Auth.Authorization;

/// <summary>
/// <c>/oauth/authorize</c> (RFC 6749 4.1, PKCE RFC 7636, iss RFC 9207): who the client is and where the browser may go,
/// whether errors may be sent there, then the request, its RFC 8707 resources, PKCE, the signed-in user, consent, and the code.
/// </summary>
public static class AuthorizationEndpoint
{
    public static readonly EndpointPipeline<AuthorizationContext> Pipeline = new(
        new IdentifyClientAndRedirectUri(),
        new TrustRedirectUri(),
        new ValidateAuthorizationRequest(),
        new ValidateResources(),
        new ValidatePkce(),
        new RequireSignedInUser(),
        new LimitScopeToUserRoles(),
        new RequireConsent(),
        new IssueAuthorizationCode());
}
