using Akka.Event;
using Akka.Persistence;
using OAuth2.Actors.Auth;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Resources;

/// <summary>
/// The registered resource servers: one persistent entity for all of them, sharded like the other entities so it lives
/// on one node of the cluster at a time and moves on a hand-off. A change is journaled, then pushed to every node's
/// <see cref="ResourceDirectoryActor"/> (at most one second per node; a node that does not confirm is named in a warning
/// and catches up on its next pull), and only then answered, so a token request on any node sees it.
/// </summary>
public sealed class ResourceRegistryActor : ReceivePersistentActor
{
    /// <summary>The one entity's id.</summary>
    public const string EntityId = "all";

    private static readonly AdminFailure NotFound = new(FailureKind.NotFound, "Not found", "No such resource server.");

    private readonly TimeProvider _time;
    private readonly TimeSpan _pushTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, ResourceServer> _servers = new(StringComparer.Ordinal);

    public ResourceRegistryActor(TimeProvider time, TimeSpan pushTimeout)
    {
        _time = time;
        _pushTimeout = pushTimeout;

        Recover<ResourceServerRegistered>(e => _servers[e.Server.Id] = e.Server);
        Recover<ResourceServerReplaced>(e => _servers[e.Server.Id] = e.Server);
        Recover<ResourceServerRemoved>(e => _servers.Remove(e.Id));

        Command<GetResourceServers>(_ => Sender.Tell(Current()));
        Command<CreateResourceServer>(Create);
        Command<UpdateResourceServer>(Update);
        Command<DeleteResourceServer>(Delete);
        Command<StopEntity>(_ => Context.Stop(Self));
    }

    public override string PersistenceId => "resource-registry";

    public static Props Props(TimeProvider time, TimeSpan pushTimeout) =>
        Akka.Actor.Props.Create(() => new ResourceRegistryActor(time, pushTimeout));

    private CurrentResourceServers Current() =>
        new(_servers.Values.OrderBy(s => s.Resource, StringComparer.Ordinal).ToArray(), LastSequenceNr);

    private void Create(CreateResourceServer c)
    {
        if (Taken(c.Spec.Resource, exceptId: null) is { } failure)
        {
            Sender.Tell(failure);
            return;
        }

        var now = _time.GetUtcNow();
        var server = new ResourceServer(Secrets.NewClientId(), c.Spec.Resource, c.Spec.Scopes, c.Spec.ClientId, now, now);
        var replyTo = Sender;
        Persist(new ResourceServerRegistered(server), e =>
        {
            _servers[e.Server.Id] = e.Server;
            _log.Info("Resource server {ResourceServerId} registered for {Resource} (introspects as {ClientId})", server.Id, server.Resource, server.ClientId);
            PushThenReply(replyTo, new ResourceServerSaved(server));
        });
    }

    private void Update(UpdateResourceServer u)
    {
        if (!_servers.TryGetValue(u.Id, out var existing))
        {
            Sender.Tell(NotFound);
            return;
        }

        if (Taken(u.Spec.Resource, exceptId: u.Id) is { } failure)
        {
            Sender.Tell(failure);
            return;
        }

        var server = existing with { Resource = u.Spec.Resource, Scopes = u.Spec.Scopes, ClientId = u.Spec.ClientId, UpdatedAt = _time.GetUtcNow() };
        var replyTo = Sender;
        Persist(new ResourceServerReplaced(server), e =>
        {
            _servers[e.Server.Id] = e.Server;
            _log.Info("Resource server {ResourceServerId} replaced: {Resource} (introspects as {ClientId})", server.Id, server.Resource, server.ClientId);
            PushThenReply(replyTo, new ResourceServerSaved(server));
        });
    }

    private void Delete(DeleteResourceServer d)
    {
        if (!_servers.ContainsKey(d.Id))
        {
            Sender.Tell(NotFound);
            return;
        }

        var replyTo = Sender;
        Persist(new ResourceServerRemoved(d.Id), e =>
        {
            _servers.Remove(e.Id);
            _log.Info("Resource server {ResourceServerId} removed", e.Id);
            PushThenReply(replyTo, new ResourceServerDeleted(e.Id));
        });
    }

    private AdminFailure? Taken(string resource, string? exceptId) =>
        _servers.Values.Any(s => s.Id != exceptId && string.Equals(s.Resource, resource, StringComparison.Ordinal))
            ? new AdminFailure(FailureKind.Conflict, "Resource exists", $"A resource server is already registered for {resource}.")
            : null;

    /// <summary>Every node learns the change before its author is answered (RFC 8707 checks read the node's directory).</summary>
    private void PushThenReply(IActorRef replyTo, object reply)
    {
        var current = Current();
        var (system, log, timeout) = (Context.System, _log, _pushTimeout);
        EveryMember.AskAll<ResourceServersPushed>(system, ResourceDirectoryActor.Name, new PushResourceServers(current), timeout)
            .ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    EveryMember.WarnMissing(log, t.Result, $"resource servers version {current.Version} (they pick it up on their next pull)", timeout);
                }

                replyTo.Tell(reply);
            }, TaskScheduler.Default);
    }
}
