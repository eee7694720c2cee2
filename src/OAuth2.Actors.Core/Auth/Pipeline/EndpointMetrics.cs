using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Auth.Pipeline;

/// <summary>
/// What each endpoint's outcome adds to the meter, read from the typed request and reply in one place (the
/// <see cref="AuthActor"/> calls it for every reply, failures included), so no pipeline step records metrics itself.
/// </summary>
public sealed class EndpointMetrics(OAuth2Metrics metrics, TokenGrants grants, ServerSettings settings)
{
    public const string Issued = "issued";

    /// <summary>The grant_type label of a request whose grant is not served here: any string a client sends must not become a series.</summary>
    public const string UnsupportedGrant = "unsupported";

    public void Record(object request, OAuthReply reply)
    {
        switch (request)
        {
            case TokenEndpointRequest token:
                Token(token, reply);
                break;
            case IntrospectionEndpointRequest:
                metrics.Introspection(reply switch
                {
                    IntrospectionResult result => result.Active ? "active" : "inactive",
                    _ => Refused(reply, "introspection"),
                });
                break;
            case RevocationEndpointRequest:
                metrics.Revocation(reply is RevocationAccepted ? "revoked" : Refused(reply, "revocation"));
                break;
            case AuthorizeEndpointRequest when reply is AuthorizeRedirect { CodeIssued: true }:
                metrics.AuthorizationCode(Issued);
                break;
            case LoginRequest:
                metrics.SignIn("form", reply is LoginSucceeded);
                break;
        }
    }

    private void Token(TokenEndpointRequest request, OAuthReply reply)
    {
        var grantType = request.Form.Get(Parameters.GrantType) is { } requested && grants.Find(requested, settings) is { } grant
            ? grant.GrantType
            : UnsupportedGrant;
        var outcome = reply is TokenIssued ? Issued : Refused(reply, "token");
        metrics.TokenRequest(grantType, outcome);

        // A code is redeemed, or refused (invalid_grant: unknown, used, expired, another client's, PKCE or redirect_uri
        // mismatch); other errors (the client, the request's form) say nothing about the code.
        switch (grantType)
        {
            case GrantTypes.AuthorizationCode when outcome is Issued or Errors.InvalidGrant:
                metrics.AuthorizationCode(outcome is Issued ? "redeemed" : "refused");
                break;
            case GrantTypes.Password when outcome is Issued or Errors.InvalidGrant:
                metrics.SignIn(GrantTypes.Password, outcome is Issued);
                break;
        }
    }

    /// <summary>The error code of a refusal (counting a client authentication failure), or <c>other</c> for a reply the endpoint does not give.</summary>
    private string Refused(OAuthReply reply, string endpoint)
    {
        if (reply is not OAuthError error)
        {
            return "other";
        }

        if (error.Error == Errors.InvalidClient)
        {
            metrics.ClientAuthenticationFailed(endpoint);
        }

        return error.Error;
    }
}
