namespace OAuth2.Actors.Auth.Pipeline;

/// <summary>
/// One request on its way through an endpoint's pipeline: what the steps have learned so far, and the reply once a
/// step has rejected the request or completed it. Each endpoint derives its own context with what its steps share.
/// </summary>
public abstract class EndpointContext(AuthServices services, RequestContext request)
{
    public AuthServices Services { get; } = services;

    public RequestContext Request { get; } = request;

    /// <summary>The reply, once a step has decided; the pipeline stops there.</summary>
    public OAuthReply? Reply { get; private set; }

    public bool IsDecided => Reply is not null;

    /// <summary>Ends the request with an error (RFC 6749 5.2: error, error_description, error_uri).</summary>
    public void Reject(OAuthError error) => Reply = error;

    public void Reject(string error, string description, FailureKind kind = FailureKind.BadRequest) => Reply = new OAuthError(error, description, kind);

    /// <summary>Ends the request with its answer.</summary>
    public void Complete(OAuthReply reply) => Reply = reply;
}

/// <summary>A request made with a form (token, introspection, revocation): parameters as received and the Authorization header.</summary>
public abstract class FormEndpointContext(AuthServices services, RequestContext request, PresentedAuthorization authorization, OAuthParameters form)
    : EndpointContext(services, request)
{
    public PresentedAuthorization Authorization { get; } = authorization;

    public OAuthParameters Form { get; } = form;

    /// <summary>The authenticated client, once <see cref="Shared.AuthenticateClient{TContext}"/> has run.</summary>
    public Clients.ClientView? Client { get; set; }

    public Clients.ClientView AuthenticatedClient => Client ?? throw new InvalidOperationException("The client has not been authenticated by an earlier step.");
}
