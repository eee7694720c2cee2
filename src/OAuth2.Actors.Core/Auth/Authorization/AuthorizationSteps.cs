using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.Authorization;

/// <summary>Until the client and its redirect URI are known, errors are shown to the user, not redirected (RFC 6749 4.1.2.1).</summary>
public sealed class IdentifyClientAndRedirectUri : IEndpointStep<AuthorizationContext>
{
    public async ValueTask Handle(AuthorizationContext context)
    {
        if (context.RepeatedParameter is Parameters.ClientId or Parameters.RedirectUri)
        {
            context.ShowError(Errors.InvalidRequest, $"Parameter '{context.RepeatedParameter}' was sent more than once.");
            return;
        }

        var clientId = context.Parameters.Get(Parameters.ClientId);
        if (clientId is null)
        {
            context.ShowError(Errors.InvalidRequest, "client_id is required.");
            return;
        }

        var services = context.Services;
        var current = await services.Ask<CurrentClient>(services.Clients, new GetClient(clientId));
        if (current.Client is not { } client)
        {
            context.ShowError(Errors.InvalidClient, "Unknown client.");
            return;
        }

        if (client.Disabled)
        {
            context.ShowError(Errors.UnauthorizedClient, "This client is disabled.");
            return;
        }

        context.Client = client;
        var requested = context.Parameters.Get(Parameters.RedirectUri);
        if (requested is not null)
        {
            if (!client.RedirectUris.Contains(requested, StringComparer.Ordinal))
            {
                context.ShowError(Errors.InvalidRequest, "redirect_uri is not registered for this client.");
                return;
            }

            (context.RedirectUri, context.RedirectUriGiven) = (requested, true);
        }
        else if (client.RedirectUris.Count == 1)
        {
            context.RedirectUri = client.RedirectUris[0];
        }
        else
        {
            context.ShowError(Errors.InvalidRequest, "redirect_uri is required: this client has several registered.");
        }
    }
}

/// <summary>
/// RFC 9700 4.11.2: a client registered openly has redirect URIs that anyone chose, so until the signed-in user has
/// consented to it, errors are shown on the server's page instead of sending the browser there.
/// </summary>
public sealed class TrustRedirectUri : IEndpointStep<AuthorizationContext>
{
    public async ValueTask Handle(AuthorizationContext context)
    {
        if (!context.AuthorizedClient.OpenlyRegistered)
        {
            return;
        }

        var (services, user) = (context.Services, context.User);
        context.RedirectUriTrusted = user is not null
            && (await services.Ask<ConsentStatus>(services.Users, new CheckConsent(user.Username, context.AuthorizedClient.ClientId, []))).Granted;
    }
}

/// <summary>RFC 6749 4.1.1: the request itself; from here on errors go back to the client (if it is trusted).</summary>
public sealed class ValidateAuthorizationRequest : IEndpointStep<AuthorizationContext>
{
    public ValueTask Handle(AuthorizationContext context)
    {
        var responseType = context.Parameters.Get(Parameters.ResponseType);
        if (context.RepeatedParameter is { } repeated)
        {
            context.Fail(Errors.InvalidRequest, $"Parameter '{repeated}' was sent more than once.");
        }
        else if (responseType is null)
        {
            context.Fail(Errors.InvalidRequest, "response_type is required.");
        }
        else if (responseType != ResponseTypes.Code)
        {
            context.Fail(Errors.UnsupportedResponseType, "Only response_type=code is supported.");
        }
        else if (!context.AuthorizedClient.AllowsGrant(GrantTypes.AuthorizationCode))
        {
            context.Fail(Errors.UnauthorizedClient, "The client is not registered for the authorization_code grant.");
        }
        else if (ScopePolicy.TryGrant(context.AuthorizedClient, context.Parameters.Get(Parameters.Scope), out var scope, out var error))
        {
            context.Scope = scope;
        }
        else
        {
            context.Fail(error!.Error, error.Description);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// RFC 8707 2.1: each <c>resource</c> must be one the client may use and accept one of the requested scopes; the code
/// carries them, and the token request may only narrow them. Errors go back to the client (<c>invalid_target</c>).
/// </summary>
public sealed class ValidateResources : IEndpointStep<AuthorizationContext>
{
    public async ValueTask Handle(AuthorizationContext context)
    {
        if (!Resources.ResourceIndicators.TryRead(context.Parameters, out var requested, out var error))
        {
            context.Fail(error!.Error, error.Description);
            return;
        }

        if (requested.Count == 0)
        {
            return;
        }

        var (_, targetError) = await Resources.ResourceIndicators.Resolve(context.Services, context.AuthorizedClient, requested, null, context.Scope!);
        if (targetError is not null)
        {
            context.Fail(targetError.Error, targetError.Description);
            return;
        }

        context.Resources = requested;
    }
}

/// <summary>RFC 7636: S256 only; required for public clients, and for confidential ones unless switched off.</summary>
public sealed class ValidatePkce : IEndpointStep<AuthorizationContext>
{
    public ValueTask Handle(AuthorizationContext context)
    {
        var challenge = context.CodeChallenge;
        var method = context.Parameters.Get(Parameters.CodeChallengeMethod);
        if (challenge is null)
        {
            if (method is not null)
            {
                context.Fail(Errors.InvalidRequest, "code_challenge_method without code_challenge.");
            }
            else if (context.AuthorizedClient.TokenEndpointAuthMethod == ClientAuthMethods.None || context.Services.Settings.RequirePkce)
            {
                context.Fail(Errors.InvalidRequest, "PKCE is required: send code_challenge with code_challenge_method=S256.");
            }
        }
        else if (method != CodeChallengeMethods.S256)
        {
            // RFC 7636 4.3: an absent method means plain, which this server refuses.
            context.Fail(Errors.InvalidRequest, "code_challenge_method must be S256 (plain is not allowed).");
        }
        else if (!Codes.IsS256Challenge(challenge))
        {
            context.Fail(Errors.InvalidRequest, "code_challenge must be 43 base64url characters (BASE64URL(SHA256(code_verifier))).");
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A signed-in user whose account still exists; a session that outlived its account signs in again.</summary>
public sealed class RequireSignedInUser : IEndpointStep<AuthorizationContext>
{
    public async ValueTask Handle(AuthorizationContext context)
    {
        if (context.User is not { } user)
        {
            context.Complete(context.Decision is null ? AuthorizeLoginRequired.Instance : new AuthorizeErrorPage(Errors.AccessDenied, "Sign in first."));
        }
        else if (await UserTokens.CurrentAccount(context.Services, user.Username, user.UserId) is { } account)
        {
            context.Account = account;
        }
        else
        {
            context.Complete(AuthorizeLoginRequired.Instance);
        }
    }
}

/// <summary>Reserved scopes only for a user with the matching role: the consent page and the code carry what the user may have.</summary>
public sealed class LimitScopeToUserRoles : IEndpointStep<AuthorizationContext>
{
    public ValueTask Handle(AuthorizationContext context)
    {
        if (ScopePolicy.ForUser(context.Scope!, context.Account!.Roles, context.Services.Settings.ReservedScopes, out var scope, out var error))
        {
            context.Scope = scope;
        }
        else
        {
            context.Fail(error!.Error, error.Description);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Consent, remembered per user, client and scope set; the consent page posts back allow or deny.</summary>
public sealed class RequireConsent : IEndpointStep<AuthorizationContext>
{
    public async ValueTask Handle(AuthorizationContext context)
    {
        var (services, user, client) = (context.Services, context.User!, context.AuthorizedClient);
        var scopes = context.Scope!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (context.Decision)
        {
            case ConsentDecision.Deny:
                context.Redirect(Errors.AccessDenied, "The user denied the request.");
                break;
            case ConsentDecision.Allow:
                if (await services.Ask<object>(services.Users, new GrantConsent(user.Username, client.ClientId, scopes)) is not ConsentRecorded)
                {
                    context.Complete(AuthorizeLoginRequired.Instance);
                }

                break;
            case null:
                var consent = await services.Ask<ConsentStatus>(services.Users, new CheckConsent(user.Username, client.ClientId, scopes));
                if (!consent.Granted)
                {
                    context.Complete(new AuthorizeConsentRequired(client.ClientId, client.ClientName ?? client.ClientId, scopes, context.RedirectUri!));
                }

                break;
            default:
                context.Fail(Errors.InvalidRequest, "decision must be allow or deny.");
                break;
        }
    }
}

/// <summary>RFC 6749 4.1.2: a one-time code bound to client, redirect URI and PKCE challenge, sent back with state and iss.</summary>
public sealed class IssueAuthorizationCode : IEndpointStep<AuthorizationContext>
{
    public async ValueTask Handle(AuthorizationContext context)
    {
        var (services, user) = (context.Services, context.User!);
        var code = Secrets.NewSecret();
        var grant = new CodeGrant(
            Secrets.NewClientId(),
            context.AuthorizedClient.ClientId,
            user.UserId,
            user.Username,
            context.RedirectUri!,
            context.RedirectUriGiven,
            context.Scope!,
            context.CodeChallenge,
            services.Time.GetUtcNow() + services.Settings.AuthorizationCodeTtl,
            context.Resources.Count > 0 ? context.Resources : null);
        await services.Ask<CodeCreated>(services.Codes, new CreateCode(Codes.IdOf(code), grant, context.Request));
        context.Complete(new AuthorizeRedirect(Redirects.Build(context.RedirectUri!, new()
        {
            [Parameters.Code] = code,
            [Parameters.State] = context.Parameters.Get(Parameters.State),
            [Parameters.Issuer] = services.Settings.Issuer,
        }), CodeIssued: true));
    }
}
