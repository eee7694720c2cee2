using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Auth.Token;

/// <summary>
/// One grant type of the token endpoint. It runs after the shared rules (no repeated parameters, a supported grant
/// type, an authenticated client registered for it) and answers with tokens or the RFC 6749 5.2 error. Adding a grant
/// type is one class implementing this and one <see cref="TokenGrantRegistration.AddTokenGrant{TGrant}"/> line.
/// </summary>
public interface ITokenGrant
{
    /// <summary>The <c>grant_type</c> value (RFC 6749 4, or an absolute URI for an extension grant, RFC 6749 4.5).</summary>
    string GrantType { get; }

    /// <summary>Parameters the grant cannot do without (RFC 6749 5.2 invalid_request when one is missing), checked before <see cref="Issue"/>.</summary>
    IReadOnlyList<string> RequiredParameters => [];

    /// <summary>Whether this server offers the grant with these settings: registration accepts it and discovery lists it.</summary>
    bool IsEnabled(ServerSettings settings) => true;

    Task<OAuthReply> Issue(TokenRequestContext context);
}

/// <summary>The grant types the token endpoint serves, as registered.</summary>
public sealed class TokenGrants(IEnumerable<ITokenGrant> grants)
{
    private readonly Dictionary<string, ITokenGrant> _byType = grants
        .GroupBy(g => g.GrantType, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public ITokenGrant? Find(string grantType, ServerSettings settings) =>
        _byType.TryGetValue(grantType, out var grant) && grant.IsEnabled(settings) ? grant : null;

    public IReadOnlySet<string> EnabledTypes(ServerSettings settings) =>
        _byType.Values.Where(g => g.IsEnabled(settings)).Select(g => g.GrantType).ToHashSet(StringComparer.Ordinal);
}

public static class TokenGrantRegistration
{
    /// <summary>Serves <typeparamref name="TGrant"/> at the token endpoint (a later registration of the same grant type wins).</summary>
    public static IServiceCollection AddTokenGrant<TGrant>(this IServiceCollection services)
        where TGrant : class, ITokenGrant
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITokenGrant, TGrant>());
        return services;
    }
}
