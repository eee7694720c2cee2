using System.Globalization;
using Akka.Hosting;
using Akka.Routing;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Tokens;

public static class TokensHosting
{
    /// <summary>
    /// Access tokens: the signing keys and the revocation buckets as sharded persistent entities; on this node, the views
    /// of the signing keys and of what is revoked, and a pool of <paramref name="routees"/> token actors that sign, verify
    /// and revoke.
    /// </summary>
    public static AkkaConfigurationBuilder WithTokens(this AkkaConfigurationBuilder builder, OAuth2Setup setup, int routees)
    {
        var ring = new SigningKeyRing();
        return builder
        .WithEntity<SigningKeyActor, ISigningKeyCommand>("signing-keys", c => c.KeyName, 10, (_, id) => SigningKeyActor.Props(id, setup.Settings, setup.Time))
        .WithEntity<RevocationActor, IRevocationCommand>("token-revocations", c => c.Bucket.ToString(CultureInfo.InvariantCulture), RevocationBuckets.Count,
            (_, id) => RevocationActor.Props(int.Parse(id, CultureInfo.InvariantCulture), setup.Time))
        .WithActors((system, registry) =>
        {
            registry.Register<RevocationViewActor>(system.ActorOf(
                RevocationViewActor.Props(setup.Revocations, registry.Get<RevocationActor>(), setup.Time), RevocationViewActor.Name));
            var keyView = system.ActorOf(SigningKeyViewActor.Props(ring, registry.Get<SigningKeyActor>(), setup.Settings), SigningKeyViewActor.Name);
            registry.Register<SigningKeyViewActor>(keyView);
            var tokens = system.ActorOf(
                TokenActor.Props(setup.Settings, setup.Time, ring, keyView, registry.Get<RevocationActor>(), setup.Revocations, setup.Publisher(registry))
                    .WithRouter(new RoundRobinPool(routees)),
                "tokens");
            registry.Register<TokenActor>(tokens);
        });
    }
}
