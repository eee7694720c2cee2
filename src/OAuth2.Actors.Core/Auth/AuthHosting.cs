using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Auth.Token.Grants;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth;

public static class AuthHosting
{
    /// <summary>The grant types the token endpoint serves out of the box; more are added with <see cref="TokenGrantRegistration.AddTokenGrant{TGrant}"/>.</summary>
    public static IServiceCollection AddBuiltInTokenGrants(this IServiceCollection services) => services
        .AddTokenGrant<ClientCredentialsGrant>()
        .AddTokenGrant<AuthorizationCodeGrant>()
        .AddTokenGrant<RefreshTokenGrant>()
        .AddTokenGrant<PasswordGrant>();

    /// <summary>The AuthActor, the entry point of every endpoint, over the clients, tokens, users and grants.</summary>
    public static AkkaConfigurationBuilder WithAuth(this AkkaConfigurationBuilder builder, OAuth2Setup setup, TokenGrants grants, ServerFailures failures) =>
        builder.WithActors((system, registry) =>
        {
            var services = new AuthServices(
                setup.Settings,
                setup.Time,
                setup.Publisher(registry),
                registry.Get<ClientActor>(),
                registry.Get<TokenActor>(),
                registry.Get<UserActor>(),
                registry.Get<UserDirectoryActor>(),
                registry.Get<AuthorizationCodeActor>(),
                registry.Get<RefreshFamilyActor>(),
                NoLogger.Instance)
            {
                ClientCache = setup.ClientCache,
                ClientDirectory = registry.Get<ClientDirectoryActor>(),
                ResourceRegistry = registry.Get<ResourceRegistryActor>(),
                Resources = setup.Resources,
                UnknownIds = setup.UnknownIds,
                PasswordHashing = setup.PasswordHashing,
            };
            registry.Register<AuthActor>(system.ActorOf(AuthActor.Props(services, grants, failures), "auth"));
        });
}
