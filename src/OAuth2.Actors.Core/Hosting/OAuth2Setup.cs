using Akka.Cluster.Hosting;
using Akka.Hosting;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Hosting;

/// <summary>What every feature's actors are built from: the validated settings, the clock and the event settings.</summary>
public sealed record OAuth2Setup(ServerSettings Settings, TimeProvider Time, EventSettings Events)
{
    private EventPublisher? _publisher;

    /// <summary>What this node knows is revoked, shared by its token actors (filled by the <see cref="RevocationViewActor"/>).</summary>
    public RevocationView Revocations { get; } = new();

    /// <summary>This node's copy of the registered resource servers (filled by the <see cref="ResourceDirectoryActor"/>).</summary>
    public ResourceDirectory Resources { get; } = new();

    /// <summary>The node's cache of recent successful client authentications (off when <see cref="ServerSettings.ClientCacheTtl"/> is zero).</summary>
    public ClientAuthenticationCache ClientCache { get; } = Settings.ClientCacheTtl > TimeSpan.Zero
        ? new ClientAuthenticationCache(Settings.ClientCacheTtl, Time)
        : ClientAuthenticationCache.Disabled;

    /// <summary>The node's memory of ids their entity said do not exist (off when <see cref="ServerSettings.UnknownIdCacheTtl"/> is zero).</summary>
    public UnknownIdCache UnknownIds { get; } = Settings.UnknownIdCacheTtl > TimeSpan.Zero && Settings.UnknownIdCacheSize > 0
        ? new UnknownIdCache(Settings.UnknownIdCacheSize, Settings.UnknownIdCacheTtl, Time)
        : UnknownIdCache.Disabled;

    /// <summary>The node's bounded pool of password hashing workers.</summary>
    public Users.PasswordHashing PasswordHashing { get; } = Users.PasswordHashing.For(Settings, Time);

    /// <summary>The publisher every actor of the node emits its events through (to the node's EventActor): one, shared, so its batches are the node's.</summary>
    public EventPublisher Publisher(IActorRegistry registry)
    {
        if (_publisher is { } publisher)
        {
            return publisher;
        }

        publisher = registry.EventPublisher(Time, Events);
        if (publisher.Enabled)
        {
            // Asked before the EventActor was registered, it is the no-op one: not kept, so a later call gets the real one.
            publisher = Interlocked.CompareExchange(ref _publisher, publisher, null) ?? publisher;
        }

        return publisher;
    }
}

public static class ShardedEntities
{
    /// <summary>
    /// A sharded entity type: messages of <typeparamref name="TCommand"/> reach the entity named by <paramref name="key"/>.
    /// The props factory gets the registry (for neighbours and the event publisher) and the entity id.
    /// </summary>
    public static AkkaConfigurationBuilder WithEntity<TActor, TCommand>(
        this AkkaConfigurationBuilder builder,
        string typeName,
        Func<TCommand, string> key,
        int maxShards,
        Func<IActorRegistry, string, Props> props)
        where TActor : ActorBase =>
        builder.WithShardRegion<TActor>(
            typeName,
            (_, registry) => id => props(registry, id),
            new KeyedMessageExtractor<TCommand>(key, maxShards),
            // On a hand-off the entities stop the way they passivate, never in the middle of a persist (PoisonPill).
            new ShardOptions { HandOffStopMessage = StopEntity.Instance });
}
