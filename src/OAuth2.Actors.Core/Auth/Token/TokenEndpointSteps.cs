namespace OAuth2.Actors.Auth.Token;

/// <summary>RFC 6749 5.2 unsupported_grant_type: a grant type is required and must be one this server serves.</summary>
public sealed class RequireSupportedGrantType(TokenGrants grants) : IEndpointStep<TokenRequestContext>
{
    public ValueTask Handle(TokenRequestContext context)
    {
        var grantType = context.Form.Get(Parameters.GrantType);
        if (grantType is null)
        {
            context.Reject(OAuthError.InvalidRequest("grant_type is required."));
        }
        else if (grants.Find(grantType, context.Services.Settings) is { } grant)
        {
            context.Grant = grant;
        }
        else
        {
            context.Reject(Errors.UnsupportedGrantType, $"grant_type '{grantType}' is not supported.");
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>RFC 6749 5.2 unauthorized_client: the client must be registered for the grant type it uses.</summary>
public sealed class RequireClientRegisteredForGrant : IEndpointStep<TokenRequestContext>
{
    public static readonly RequireClientRegisteredForGrant Instance = new();

    public ValueTask Handle(TokenRequestContext context)
    {
        if (!context.AuthenticatedClient.AllowsGrant(context.GrantType))
        {
            context.Reject(Errors.UnauthorizedClient, $"The client is not registered for the {context.GrantType} grant.");
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>RFC 6749 5.2 invalid_request: the parameters the grant type requires.</summary>
public sealed class RequireGrantParameters : IEndpointStep<TokenRequestContext>
{
    public static readonly RequireGrantParameters Instance = new();

    public ValueTask Handle(TokenRequestContext context)
    {
        if (context.Grant!.RequiredParameters.FirstOrDefault(p => context.Form.Get(p) is null) is { } missing)
        {
            context.Reject(OAuthError.InvalidRequest($"{missing} is required."));
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The grant type's own rules, and the tokens.</summary>
public sealed class IssueByGrant : IEndpointStep<TokenRequestContext>
{
    public static readonly IssueByGrant Instance = new();

    public async ValueTask Handle(TokenRequestContext context) =>
        context.Complete(await context.Grant!.Issue(context));
}
