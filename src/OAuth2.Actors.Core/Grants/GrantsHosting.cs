using Akka.Hosting;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Grants;

public static class GrantsHosting
{
    /// <summary>What users grant clients: authorization codes (one entity each, redeemed once) and rotating refresh-token families.</summary>
    public static AkkaConfigurationBuilder WithGrants(this AkkaConfigurationBuilder builder, OAuth2Setup setup) => builder
        .WithEntity<AuthorizationCodeActor, ICodeCommand>("authorization-codes", c => c.CodeId, 100,
            (registry, id) => AuthorizationCodeActor.Props(id, setup.Time, setup.Publisher(registry)))
        .WithEntity<RefreshFamilyActor, IRefreshFamilyCommand>("refresh-families", c => c.FamilyId, 100,
            (registry, id) => RefreshFamilyActor.Props(id, setup.Settings, setup.Time, setup.Publisher(registry)));
}
