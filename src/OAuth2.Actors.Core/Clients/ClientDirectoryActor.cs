using Akka.Persistence;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Clients;

/// <summary>
/// The one entity that lists every client, for the admin API and the console (the clients themselves are entities of
/// their own, addressed by id, which nothing else could enumerate). Each client entity writes its change here before it
/// answers the change; the entity stays the truth, the directory its listing. Writes are asynchronous persists, so a
/// burst of open registrations is written in batches rather than one round trip each.
/// </summary>
public sealed class ClientDirectoryActor : ReceivePersistentActor
{
    public const string EntityId = "all";
    public const int MaxPage = 200;
    private const int SnapshotEvery = 1000;
    private readonly SortedDictionary<string, ClientSummary> _clients = new(StringComparer.Ordinal);

    public ClientDirectoryActor()
    {
        Recover<ClientListed>(e => _clients[e.Client.ClientId] = e.Client);
        Recover<ClientUnlisted>(e => _clients.Remove(e.ClientId));
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is ClientSummary[] clients)
            {
                foreach (var c in clients)
                {
                    _clients[c.ClientId] = c;
                }
            }
        });
        Command<StopEntity>(_ => Context.Stop(Self)); // the shard's hand-off and passivation message
        Command<ListClient>(l =>
        {
            var replyTo = Sender;
            PersistAsync(new ClientListed(l.Client), e =>
            {
                _clients[e.Client.ClientId] = e.Client;
                Written(replyTo);
            });
        });
        Command<UnlistClient>(u =>
        {
            var replyTo = Sender;
            PersistAsync(new ClientUnlisted(u.ClientId), e =>
            {
                _clients.Remove(e.ClientId);
                Written(replyTo);
            });
        });
        Command<GetClients>(g => Sender.Tell(Page(g)));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    // Not "client-…": that prefix is the client entities', and an operator may name the bootstrap client anything.
    public override string PersistenceId => "clients-directory";

    public static Props Props() => Akka.Actor.Props.Create(() => new ClientDirectoryActor());

    private ClientPage Page(GetClients query)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxPage);
        IEnumerable<ClientSummary> matching = _clients.Values;
        if (!string.IsNullOrWhiteSpace(query.Query))
        {
            var q = query.Query.Trim();
            matching = matching.Where(c => c.ClientId.Contains(q, StringComparison.OrdinalIgnoreCase)
                || (c.ClientName?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false));
        }

        var all = matching.ToList();
        var page = all.Where(c => query.After is null || string.CompareOrdinal(c.ClientId, query.After) > 0).Take(limit + 1).ToList();
        var next = page.Count > limit ? page[limit - 1].ClientId : null;
        return new ClientPage(page.Take(limit).ToArray(), all.Count, next);
    }

    private void Written(IActorRef replyTo)
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_clients.Values.ToArray());
        }

        replyTo.Tell(ClientListingUpdated.Instance);
    }
}
