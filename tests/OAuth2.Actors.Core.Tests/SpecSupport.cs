using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Persistence;
using OAuth2.Actors.Events;
using OAuth2.Actors.Serialization;

namespace OAuth2.Actors.Core.Tests;

/// <summary>HOCON and fixtures shared by the specs.</summary>
internal static class SpecSupport
{
    public const string Issuer = "https://auth.example.test";

    /// <summary>A fixed, whole-second start so unix-second claims compare exactly.</summary>
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Where an actor under test publishes its events: publishers hand the EventActor batches, and this relay (the one
    /// the EventActor puts in front of a user's sink actor) gives <paramref name="probe"/> each envelope on its own.
    /// </summary>
    public static IActorRef EnvelopesTo(ActorSystem system, IActorRef probe) => system.ActorOf(EventSinkRelay.Props(probe));

    public static readonly RequestContext Context = RequestContext.Internal("spec");

    /// <summary>In-memory journal and snapshot store (the default snapshot store writes files), and the host's serialization.</summary>
    public static readonly Config Persistence = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        # Generous for a loaded CI machine; passing expectations return as soon as the message arrives.
        akka.test.single-expect-default = 10s
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        # Every message goes through its serializer, as it would between nodes (the host's bindings, below).
        akka.actor.serialize-messages = on
        """).WithFallback(OAuth2MessageSerializer.Configuration);

    /// <summary>A one-node cluster, needed by Distributed Data (token actors and revocation buckets).</summary>
    public static readonly Config Cluster = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.cluster.min-nr-of-members = 1
        akka.cluster.periodic-tasks-initial-delay = 10ms
        akka.cluster.leader-actions-interval = 100ms
        akka.cluster.distributed-data.notify-subscribers-interval = 50ms
        akka.coordinated-shutdown.terminate-actor-system = on
        akka.coordinated-shutdown.run-by-actor-system-terminate = on
        """).WithFallback(Persistence);

    public static ServerSettings Settings(TimeSpan? requestTimeout = null) => new()
    {
        Issuer = Issuer,
        AccessTokenTtl = TimeSpan.FromMinutes(5),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(3),
        RegistrationOpen = true,
        RegistrationAllowedScopes = new HashSet<string>(["read", "write"], StringComparer.Ordinal),
    };

    public static PresentedAuthorization Basic(string id, string secret) => PresentedAuthorization.Basic(id, secret);

    /// <summary>Every event stored under <paramref name="persistenceId"/>, read straight from the journal.</summary>
    public static async Task<IReadOnlyList<object>> JournalEventsAsync(TestKitBase kit, string persistenceId)
    {
        var probe = kit.CreateTestProbe();
        var journal = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor("akka.persistence.journal.inmem");
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, persistenceId, probe.Ref), probe.Ref);
        var events = new List<object>();
        while (true)
        {
            var message = await probe.ExpectMsgAsync<object>();
            switch (message)
            {
                case ReplayedMessage replayed:
                    events.Add(replayed.Persistent.Payload);
                    break;
                case RecoverySuccess:
                    return events;
                case ReplayMessagesFailure failure:
                    throw new InvalidOperationException("Journal replay failed", failure.Cause);
                default:
                    throw new InvalidOperationException($"Unexpected journal reply {message}");
            }
        }
    }

    /// <summary>Stops an actor and waits until it is gone, so a successor with the same persistence id may start.</summary>
    public static async Task StopAndWaitAsync(TestKitBase kit, IActorRef actor)
    {
        var watcher = kit.CreateTestProbe();
        await watcher.WatchAsync(actor);
        kit.Sys.Stop(actor);
        await watcher.ExpectTerminatedAsync(actor);
    }

    /// <summary>The next message to the test actor: an <see cref="OAuthError"/> with <paramref name="error"/> and <paramref name="kind"/>.</summary>
    public static async Task<OAuthError> ExpectOAuthErrorAsync(this TestKitBase kit, string error, FailureKind kind)
    {
        var refused = await kit.ExpectMsgAsync<OAuthError>();
        Assert.Equal(error, refused.Error);
        Assert.Equal(kind, refused.Kind);
        return refused;
    }
}

/// <summary>A TestKit whose node joined itself, for actors that use Distributed Data.</summary>
public abstract class ClusterSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(SpecSupport.Cluster, output: output), IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        var cluster = Cluster.Get(Sys);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await cluster.JoinAsync(cluster.SelfAddress, timeout.Token);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
