using Akka.Actor;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth;

/// <summary>The authorization endpoint (RFC 6749 4.1, PKCE RFC 7636, iss RFC 9207) and the sign-in steps behind it.</summary>
public sealed partial class AuthActor
{
    private const string LoginFailedMessage = "Invalid username or password.";

    private async Task<OAuthReply> Authorize(AuthorizeEndpointRequest request)
    {
        var p = request.Parameters;

        // Step 1: who is the client and where may we send the browser? Until both are known, errors are shown, not redirected.
        var repeated = p.FirstRepeated();
        if (repeated is Parameters.ClientId or Parameters.RedirectUri)
        {
            return new AuthorizeErrorPage(Errors.InvalidRequest, $"Parameter '{repeated}' was sent more than once.");
        }

        var clientId = p.Get(Parameters.ClientId);
        if (clientId is null)
        {
            return new AuthorizeErrorPage(Errors.InvalidRequest, "client_id is required.");
        }

        var current = await _clients.Ask<CurrentClient>(new GetClient(clientId), _settings.InternalTimeout);
        if (current.Client is not { } client)
        {
            return new AuthorizeErrorPage(Errors.InvalidClient, "Unknown client.");
        }

        var requestedRedirect = p.Get(Parameters.RedirectUri);
        string redirectUri;
        if (requestedRedirect is not null)
        {
            if (!client.RedirectUris.Contains(requestedRedirect, StringComparer.Ordinal))
            {
                return new AuthorizeErrorPage(Errors.InvalidRequest, "redirect_uri is not registered for this client.");
            }

            redirectUri = requestedRedirect;
        }
        else if (client.RedirectUris.Count == 1)
        {
            redirectUri = client.RedirectUris[0];
        }
        else
        {
            return new AuthorizeErrorPage(Errors.InvalidRequest, "redirect_uri is required: this client has several registered.");
        }

        var state = p.Get(Parameters.State);
        AuthorizeRedirect Fail(string error, string description) => new(Redirects.Build(redirectUri, new()
        {
            ["error"] = error,
            ["error_description"] = description,
            [Parameters.State] = state,
            [Parameters.Issuer] = _settings.Issuer,
        }));

        // Step 2: the request itself; from here on errors go back to the client.
        if (repeated is not null)
        {
            return Fail(Errors.InvalidRequest, $"Parameter '{repeated}' was sent more than once.");
        }

        var responseType = p.Get(Parameters.ResponseType);
        if (responseType is null)
        {
            return Fail(Errors.InvalidRequest, "response_type is required.");
        }

        if (responseType != ResponseTypes.Code)
        {
            return Fail(Errors.UnsupportedResponseType, "Only response_type=code is supported.");
        }

        if (!client.AllowsGrant(GrantTypes.AuthorizationCode))
        {
            return Fail(Errors.UnauthorizedClient, "The client is not registered for the authorization_code grant.");
        }

        var (scope, scopeError) = GrantedScope(client, p.Get(Parameters.Scope));
        if (scope is null)
        {
            return Fail(scopeError!.Error, scopeError.Description);
        }

        // Step 3: PKCE. S256 only; required for public clients, and for confidential ones unless switched off.
        var challenge = p.Get(Parameters.CodeChallenge);
        var method = p.Get(Parameters.CodeChallengeMethod);
        if (challenge is null)
        {
            if (method is not null)
            {
                return Fail(Errors.InvalidRequest, "code_challenge_method without code_challenge.");
            }

            if (client.TokenEndpointAuthMethod == ClientAuthMethods.None || _settings.RequirePkce)
            {
                return Fail(Errors.InvalidRequest, "PKCE is required: send code_challenge with code_challenge_method=S256.");
            }
        }
        else
        {
            // RFC 7636 4.3: an absent method means plain, which this server refuses.
            if (method != "S256")
            {
                return Fail(Errors.InvalidRequest, "code_challenge_method must be S256 (plain is not allowed).");
            }

            if (!Codes.IsS256Challenge(challenge))
            {
                return Fail(Errors.InvalidRequest, "code_challenge must be 43 base64url characters (BASE64URL(SHA256(code_verifier))).");
            }
        }

        // Step 4: the user.
        if (request.User is not { } user)
        {
            return request.Decision is null ? AuthorizeLoginRequired.Instance : new AuthorizeErrorPage(Errors.AccessDenied, "Sign in first.");
        }

        if (!await UserStillExists(user.Username, user.UserId))
        {
            // A session that outlived its account (deleted, or re-created under the same name) signs in again.
            return AuthorizeLoginRequired.Instance;
        }

        // Step 5: consent, remembered per user, client and scope set.
        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (request.Decision)
        {
            case "deny":
                return Fail(Errors.AccessDenied, "The user denied the request.");
            case "allow":
                if (await _neighbours.Users.Ask<object>(new GrantConsent(user.Username, client.ClientId, scopes), _settings.InternalTimeout) is not ConsentRecorded)
                {
                    return AuthorizeLoginRequired.Instance;
                }

                break;
            case null:
                var consent = await _neighbours.Users.Ask<ConsentStatus>(new CheckConsent(user.Username, client.ClientId, scopes), _settings.InternalTimeout);
                if (!consent.Granted)
                {
                    return new AuthorizeConsentRequired(client.ClientId, client.ClientName ?? client.ClientId, scopes);
                }

                break;
            default:
                return Fail(Errors.InvalidRequest, "decision must be allow or deny.");
        }

        // Step 6: the code.
        var code = Secrets.NewSecret();
        var grant = new CodeGrant(
            Secrets.NewClientId(),
            client.ClientId,
            user.UserId,
            user.Username,
            redirectUri,
            requestedRedirect is not null,
            scope,
            challenge,
            _time.GetUtcNow() + _settings.AuthorizationCodeTtl);
        await _neighbours.Codes.Ask<CodeCreated>(new CreateCode(Codes.IdOf(code), grant, request.Context), _settings.InternalTimeout);
        return new AuthorizeRedirect(Redirects.Build(redirectUri, new()
        {
            [Parameters.Code] = code,
            [Parameters.State] = state,
            [Parameters.Issuer] = _settings.Issuer,
        }));
    }

    private async Task<OAuthReply> Login(LoginRequest request)
    {
        if (Usernames.Problem(request.Username) is not null || string.IsNullOrEmpty(request.Password))
        {
            return new LoginFailed(LoginFailedMessage);
        }

        var reply = await _neighbours.Users.Ask<object>(new AuthenticateUser(request.Username, request.Password, "password_form", null, request.Context), _settings.InternalTimeout);
        return reply is UserAuthenticated ok
            ? new LoginSucceeded(new SessionUser(ok.User.UserId, ok.User.Username))
            : new LoginFailed(LoginFailedMessage);
    }

    private async Task<OAuthReply> SignUp(SignUpRequest request)
    {
        if ((Usernames.Problem(request.Username) ?? Usernames.PasswordProblem(request.Password)) is { } problem)
        {
            return new LoginFailed(problem);
        }

        var reply = await _neighbours.Users.Ask<object>(new CreateUser(request.Username, request.Password, request.Email, request.Context), _settings.InternalTimeout);
        return reply switch
        {
            UserCreated created => new LoginSucceeded(new SessionUser(created.User.UserId, created.User.Username)),
            UserRejected rejected => new LoginFailed(rejected.Description),
            _ => new LoginFailed("The account could not be created."),
        };
    }
}

/// <summary>Adds parameters to a redirect URI that may already have a query (RFC 6749 3.1.2).</summary>
public static class Redirects
{
    public static string Build(string redirectUri, Dictionary<string, string?> parameters)
    {
        var query = string.Join('&', parameters
            .Where(kv => kv.Value is not null)
            .Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value!)}"));
        return redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
    }
}
