using Akka.Actor;
using Akka.Event;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth;

/// <summary>
/// The front door of the OAuth2 endpoints. Each request runs as a short ordered pipeline of named steps
/// (parameters, client authentication, grant rules, scope), consulting the client entities and the token actors.
/// The pipeline runs off the actor's thread and its result is piped back to the asker, so one slow neighbour
/// never holds up other requests.
/// </summary>
public sealed partial class AuthActor : ReceiveActor
{
    private readonly ServerSettings _settings;
    private readonly IActorRef _clients;
    private readonly IActorRef _tokens;
    private readonly EventPublisher _events;
    private readonly AuthNeighbours _neighbours;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AuthActor(ServerSettings settings, IActorRef clients, IActorRef tokens, EventPublisher events, AuthNeighbours? neighbours = null, TimeProvider? time = null)
    {
        _events = events;
        _neighbours = neighbours ?? AuthNeighbours.None;
        _time = time ?? TimeProvider.System;
        _settings = settings;
        _clients = clients;
        _tokens = tokens;

        Receive<TokenEndpointRequest>(r => Token(r).PipeTo(Sender, failure: Unavailable));
        Receive<IntrospectionEndpointRequest>(r => Introspect(r).PipeTo(Sender, failure: Unavailable));
        Receive<RevocationEndpointRequest>(r => Revoke(r).PipeTo(Sender, failure: Unavailable));
        Receive<RegistrationEndpointRequest>(r => Register(r).PipeTo(Sender, failure: Unavailable));
        Receive<AuthorizeBearer>(r => Bearer(r).PipeTo(Sender, failure: Unavailable));
        Receive<AuthorizeEndpointRequest>(r => Authorize(r).PipeTo(Sender, failure: Unavailable));
        Receive<LoginRequest>(r => Login(r).PipeTo(Sender, failure: Unavailable));
        Receive<SignUpRequest>(r => SignUp(r).PipeTo(Sender, failure: Unavailable));
        Receive<LogoutRequest>(r =>
        {
            _events.Publish(EventType.UserLogout, r.Context, userId: r.User.UserId, metadata: new Dictionary<string, string> { ["username"] = r.User.Username });
            Sender.Tell(LoggedOut.Instance);
        });
        Receive<AdminCreateUser>(r => CreateUser(r).PipeTo(Sender, failure: Unavailable));
        Receive<AdminListUsers>(r => ListUsers(r).PipeTo(Sender, failure: Unavailable));
        Receive<AdminGetUser>(r => GetUser(r).PipeTo(Sender, failure: Unavailable));
        Receive<AdminDeleteUser>(r => DeleteUser(r).PipeTo(Sender, failure: Unavailable));
        Receive<ClientManagementRequest>(r => ManageClient(r).PipeTo(Sender, failure: Unavailable));
    }

    public static Props Props(ServerSettings settings, IActorRef clients, IActorRef tokens, EventPublisher events, AuthNeighbours? neighbours = null, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new AuthActor(settings, clients, tokens, events, neighbours, time));

    private OAuthError Unavailable(Exception e)
    {
        _log.Warning("A request could not be completed in time: {Reason}", e.GetType().Name);
        return new OAuthError(Errors.TemporarilyUnavailable, "The server could not complete the request in time; retry.", 503);
    }

    // ---- /oauth/token ---------------------------------------------------------------------------------------

    private async Task<OAuthReply> Token(TokenEndpointRequest request)
    {
        if (request.Form.FirstRepeated() is { } repeated)
        {
            return OAuthError.InvalidRequest($"Parameter '{repeated}' was sent more than once.");
        }

        var grantType = request.Form.Get(Parameters.GrantType);
        if (grantType is null)
        {
            return OAuthError.InvalidRequest("grant_type is required.");
        }

        if (!_settings.SupportedGrantTypes.Contains(grantType))
        {
            return new OAuthError(Errors.UnsupportedGrantType, $"grant_type '{grantType}' is not supported.");
        }

        var (client, authError) = await AuthenticateClient(request.Authorization, request.Form, request.Context);
        if (client is null)
        {
            return authError!;
        }

        if (!client.AllowsGrant(grantType))
        {
            return new OAuthError(Errors.UnauthorizedClient, $"The client is not registered for the {grantType} grant.");
        }

        return grantType switch
        {
            GrantTypes.ClientCredentials => await ClientCredentials(client, request),
            GrantTypes.AuthorizationCode => await AuthorizationCode(client, request),
            GrantTypes.RefreshToken => await Refresh(client, request),
            GrantTypes.Password => await Password(client, request),
            _ => new OAuthError(Errors.UnsupportedGrantType, $"grant_type '{grantType}' is not supported."),
        };
    }

    private async Task<OAuthReply> ClientCredentials(ClientView client, TokenEndpointRequest request)
    {
        var (scope, scopeError) = GrantedScope(client, request.Form.Get(Parameters.Scope));
        if (client.TokenEndpointAuthMethod == ClientAuthMethods.None)
        {
            return new OAuthError(Errors.UnauthorizedClient, "Public clients cannot use the client_credentials grant.");
        }

        if (scope is null)
        {
            return scopeError!;
        }

        var issued = await _tokens.Ask<AccessTokenIssued>(new IssueAccessToken(client.ClientId, client.ClientId, scope, GrantTypes.ClientCredentials, request.Context), _settings.InternalTimeout);
        return new TokenIssued(issued.AccessToken, TokenTypes.Bearer, (long)_settings.AccessTokenTtl.TotalSeconds, scope, null);
    }

    /// <summary>RFC 6749 3.3: requested scopes must be a subset of the client's; none means the client's default.</summary>
    private static (string? Scope, OAuthError? Error) GrantedScope(ClientView client, string? requested)
    {
        if (!ScopeSyntax.TryParse(requested, out var scopes))
        {
            return (null, new OAuthError(Errors.InvalidScope, "scope contains characters outside RFC 6749 3.3."));
        }

        if (scopes.Length == 0)
        {
            return (client.Scope, null);
        }

        var allowed = client.ScopeList;
        var extra = scopes.FirstOrDefault(s => !allowed.Contains(s, StringComparer.Ordinal));
        return extra is null
            ? (ScopeSyntax.Join(scopes), null)
            : (null, new OAuthError(Errors.InvalidScope, $"scope '{extra}' is not allowed for this client."));
    }

    // ---- /oauth/introspect and /oauth/revoke ----------------------------------------------------------------

    private async Task<OAuthReply> Introspect(IntrospectionEndpointRequest request)
    {
        if (request.Form.FirstRepeated() is { } repeated)
        {
            return OAuthError.InvalidRequest($"Parameter '{repeated}' was sent more than once.");
        }

        var (client, authError) = await AuthenticateClient(request.Authorization, request.Form, request.Context);
        if (client is null)
        {
            return authError!;
        }

        if (client.TokenEndpointAuthMethod == ClientAuthMethods.None)
        {
            return new OAuthError(Errors.UnauthorizedClient, "Public clients may not introspect tokens.", 401);
        }

        var token = request.Form.Get(Parameters.Token);
        if (token is null)
        {
            return OAuthError.InvalidRequest("token is required.");
        }

        return await _tokens.Ask<IntrospectionResult>(new IntrospectToken(token, request.Context), _settings.InternalTimeout);
    }

    private async Task<OAuthReply> Revoke(RevocationEndpointRequest request)
    {
        if (request.Form.FirstRepeated() is { } repeated)
        {
            return OAuthError.InvalidRequest($"Parameter '{repeated}' was sent more than once.");
        }

        var (client, authError) = await AuthenticateClient(request.Authorization, request.Form, request.Context);
        if (client is null)
        {
            return authError!;
        }

        var token = request.Form.Get(Parameters.Token);
        if (token is null)
        {
            return OAuthError.InvalidRequest("token is required.");
        }

        if (Grants.RefreshTokens.TryParse(token, out var familyId, out var secret))
        {
            // RFC 7009 2.1: revoking a refresh token revokes its family and the access tokens of the same grant.
            var revoked = await _neighbours.RefreshFamilies.Ask<Grants.RefreshFamilyRevoked>(
                new Grants.RevokeRefreshFamily(familyId, client.ClientId, "revoked_by_client", request.Context, secret), _settings.InternalTimeout);
            if (revoked.NotOwner)
            {
                return new OAuthError(Errors.UnauthorizedClient, "The token was not issued to this client.");
            }

            if (revoked.Existed)
            {
                await _tokens.Ask<OAuthReply>(new RevokeByKey(RevokeByKey.Grant(familyId), "refresh_token_revoked", request.Context), _settings.InternalTimeout);
            }

            return RevocationAccepted.Instance;
        }

        return await _tokens.Ask<OAuthReply>(new RevokeToken(token, request.Form.Get(Parameters.TokenTypeHint), client.ClientId, request.Context), _settings.InternalTimeout);
    }

    // ---- /clients/register ----------------------------------------------------------------------------------

    private async Task<OAuthReply> Register(RegistrationEndpointRequest request)
    {
        var bearer = ClientCredentialsReader.BearerToken(request.Authorization);
        var privileged = false;
        if (bearer is not null)
        {
            privileged = Secrets.FixedTimeEquals(bearer, _settings.RegistrationInitialAccessToken)
                || await HasScope(bearer, Scopes.Admin, request.Context);

            // A presented token must be one that authorises registration, open or not: a wrong token is an error, not a shrug.
            if (!privileged)
            {
                return new OAuthError(Errors.InvalidToken, "The initial access token is not valid.", 401, "Bearer error=\"invalid_token\"");
            }
        }
        else if (_settings.RegistrationInitialAccessToken is not null)
        {
            return new OAuthError(Errors.InvalidToken, "Registration requires an initial access token.", 401, "Bearer");
        }

        return await _clients.Ask<OAuthReply>(RegisterClient.Create(request.Metadata, privileged, request.Context), _settings.InternalTimeout);
    }

    // ---- bearer-protected endpoints -------------------------------------------------------------------------

    private async Task<OAuthReply> Bearer(AuthorizeBearer request)
    {
        var bearer = ClientCredentialsReader.BearerToken(request.Authorization);
        if (bearer is null)
        {
            return new OAuthError(Errors.InvalidToken, "An access token is required.", 401, "Bearer");
        }

        var result = await _tokens.Ask<IntrospectionResult>(new IntrospectToken(bearer, request.Context), _settings.InternalTimeout);
        if (!result.Active || result.Token is null)
        {
            return new OAuthError(Errors.InvalidToken, "The access token is not active.", 401, "Bearer error=\"invalid_token\"");
        }

        return request.AnyOfScopes.Any(result.Token.HasScope)
            ? new BearerAuthorized(result.Token)
            : new OAuthError(Errors.InsufficientScope, $"The access token needs one of the scopes: {string.Join(" ", request.AnyOfScopes)}.", 403,
                $"Bearer error=\"insufficient_scope\", scope=\"{string.Join(" ", request.AnyOfScopes)}\"");
    }

    private async Task<bool> HasScope(string bearer, string scope, RequestContext context)
    {
        var result = await _tokens.Ask<IntrospectionResult>(new IntrospectToken(bearer, context), _settings.InternalTimeout);
        return result is { Active: true, Token: { } token } && token.HasScope(scope);
    }

    // ---- client authentication ------------------------------------------------------------------------------

    private async Task<(ClientView? Client, OAuthError? Error)> AuthenticateClient(string? authorization, OAuthParameters form, RequestContext context)
    {
        var (presented, error) = ClientCredentialsReader.Read(authorization, form);
        if (presented is null)
        {
            // Credentials that never reach a client entity (absent, malformed) are failed validations too.
            _events.Publish(EventType.ClientValidated, context, metadata: new Dictionary<string, string>
            {
                ["success"] = "false",
                ["reason"] = error!.Description,
            }, severity: EventSeverity.Warning, error: error.Error);
            return (null, error);
        }

        var basic = presented.Method == ClientAuthMethods.ClientSecretBasic;
        var reply = await _clients.Ask<object>(new AuthenticateClient(presented.ClientId, presented.Secret, presented.Method, context), _settings.InternalTimeout);
        switch (reply)
        {
            case ClientAuthenticated ok:
                return (ok.Client, null);
            case ClientAuthenticationFailed failed:
                _log.Info("Client authentication failed for {ClientId}: {Reason}", failed.ClientId, failed.Reason);
                return (null, OAuthError.InvalidClient(basic));
            default:
                return (null, OAuthError.InvalidClient(basic));
        }
    }
}
