using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Bearer;

/// <summary>A request to one of the server's own protected endpoints (RFC 6750): the Authorization header and the scopes that admit it.</summary>
public abstract class BearerEndpointContext(AuthServices services, RequestContext request, PresentedAuthorization authorization, IReadOnlyList<string> anyOfScopes)
    : EndpointContext(services, request)
{
    public PresentedAuthorization Authorization { get; } = authorization;

    public IReadOnlyList<string> AnyOfScopes { get; } = anyOfScopes;

    /// <summary>The caller's token, once <see cref="RequireActiveBearerToken{TContext}"/> has run.</summary>
    public ActiveToken? Token { get; set; }
}

/// <summary>RFC 6750 2.1 and 3.1: an active access token, else 401 with the Bearer challenge.</summary>
public sealed class RequireActiveBearerToken<TContext> : IEndpointStep<TContext>
    where TContext : BearerEndpointContext
{
    public static readonly RequireActiveBearerToken<TContext> Instance = new();

    public async ValueTask Handle(TContext context)
    {
        var bearer = context.Authorization.BearerToken;
        if (bearer is null)
        {
            context.Reject(new OAuthError(Errors.InvalidToken, "An access token is required.", FailureKind.Unauthenticated, AuthChallenge.BearerRequired));
            return;
        }

        context.Token = await BearerTokens.Active(context.Services, bearer, context.Request);
        if (context.Token is null)
        {
            context.Reject(new OAuthError(Errors.InvalidToken, "The access token is not active.", FailureKind.Unauthenticated, AuthChallenge.BearerInvalid));
        }
    }
}

/// <summary>RFC 6750 3.1 insufficient_scope: the token must carry one of the scopes, else 403.</summary>
public sealed class RequireBearerScope<TContext> : IEndpointStep<TContext>
    where TContext : BearerEndpointContext
{
    public static readonly RequireBearerScope<TContext> Instance = new();

    public ValueTask Handle(TContext context)
    {
        if (!context.AnyOfScopes.Any(context.Token!.HasScope))
        {
            var scopes = string.Join(" ", context.AnyOfScopes);
            context.Reject(new OAuthError(Errors.InsufficientScope, $"The access token needs one of the scopes: {scopes}.", FailureKind.Forbidden,
                new AuthChallenge(ChallengeScheme.Bearer, Errors.InsufficientScope, scopes)));
        }

        return ValueTask.CompletedTask;
    }
}

public static class BearerTokens
{
    /// <summary>
    /// The token's claims when it is an active access token of this server meant for this server (its audience is the
    /// issuer or the default audience, not another resource server: RFC 8707), else null.
    /// </summary>
    public static async Task<ActiveToken?> Active(AuthServices services, string bearer, RequestContext request)
    {
        var result = await services.AskTokens<IntrospectionResult>(new IntrospectToken(bearer, request));
        return result is { Active: true, Token: { } token } && token.Audiences.Any(services.Settings.IsOwnAudience) ? token : null;
    }

    public static async Task<bool> HasScope(AuthServices services, string bearer, string scope, RequestContext request) =>
        await Active(services, bearer, request) is { } token && token.HasScope(scope);
}
