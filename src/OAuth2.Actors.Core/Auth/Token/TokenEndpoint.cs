using OAuth2.Actors.Auth.Shared;

namespace OAuth2.Actors.Auth.Token;

/// <summary><c>/oauth/token</c> (RFC 6749 3.2): the rules every grant shares (including the parameters the grant declares it needs), then the grant's own handler.</summary>
public static class TokenEndpoint
{
    public static EndpointPipeline<TokenRequestContext> Pipeline(TokenGrants grants) => new(
        RejectRepeatedParameters<TokenRequestContext>.Instance,
        new RequireSupportedGrantType(grants),
        AuthenticateClient<TokenRequestContext>.Instance,
        RequireClientRegisteredForGrant.Instance,
        RequireGrantParameters.Instance,
        IssueByGrant.Instance);
}
