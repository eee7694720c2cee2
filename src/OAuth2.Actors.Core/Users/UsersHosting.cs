using Akka.Hosting;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Users;

public static class UsersHosting
{
    /// <summary>
    /// User accounts (one persistent entity per normalized username) and the directory that lists them; and on every
    /// node the actor through which a creation clears the node's memory of unknown ids (users, clients, refresh grants).
    /// </summary>
    public static AkkaConfigurationBuilder WithUsers(this AkkaConfigurationBuilder builder, OAuth2Setup setup) => builder
        .WithActors((system, registry) =>
            registry.Register<UnknownIdCacheActor>(system.ActorOf(UnknownIdCacheActor.Props(setup.UnknownIds), UnknownIdCacheActor.Name)))
        .WithEntity<UserDirectoryActor, IUserDirectoryCommand>("user-directory", _ => UserDirectoryActor.EntityId, 1, (_, _) => UserDirectoryActor.Props())
        .WithEntity<UserActor, IUserCommand>("users", c => Usernames.Normalize(c.Username), 100,
            (registry, id) => UserActor.Props(id, setup.Settings, setup.Time, setup.Publisher(registry), registry.Get<UserDirectoryActor>(), setup.PasswordHashing, setup.UnknownIds));
}
