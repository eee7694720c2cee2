using Akka.Persistence;

namespace OAuth2.Actors.Users;

/// <summary>The one entity that lists every user (for the admin API); usernames are unique in their own entities.</summary>
public sealed class UserDirectoryActor : ReceivePersistentActor
{
    public const string EntityId = "all";
    private readonly SortedDictionary<string, UserView> _users = new(StringComparer.Ordinal);

    public UserDirectoryActor()
    {
        Recover<UserListed>(e => _users[Usernames.Normalize(e.User.Username)] = e.User);
        Recover<UserUnlisted>(e => _users.Remove(e.Username));
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is UserView[] users)
            {
                foreach (var u in users)
                {
                    _users[Usernames.Normalize(u.Username)] = u;
                }
            }
        });
        Command<StopEntity>(_ => Context.Stop(Self)); // the shard's hand-off and passivation message
        Command<ListUser>(l =>
        {
            var replyTo = Sender;
            Persist(new UserListed(l.User), e =>
            {
                _users[Usernames.Normalize(e.User.Username)] = e.User;
                SnapshotNow();
                replyTo.Tell(UserListingUpdated.Instance);
            });
        });
        Command<UnlistUser>(u =>
        {
            var replyTo = Sender;
            Persist(new UserUnlisted(u.Username), e =>
            {
                _users.Remove(e.Username);
                SnapshotNow();
                replyTo.Tell(UserListingUpdated.Instance);
            });
        });
        Command<GetUsers>(_ => Sender.Tell(new CurrentUsers(_users.Values.ToArray())));

        // A linear search: the directory serves the admin API only, and the list is in memory.
        Command<FindUserById>(f => Sender.Tell(new CurrentUser(_users.Values.FirstOrDefault(u => u.UserId == f.UserId))));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    // "user-" and a username is a user's journal: Usernames refuses the username that would make it this one.
    public override string PersistenceId => "user-" + Usernames.ReservedForTheDirectory;

    public static Props Props() => Akka.Actor.Props.Create(() => new UserDirectoryActor());

    private void SnapshotNow()
    {
        if (LastSequenceNr % 100 == 0)
        {
            SaveSnapshot(_users.Values.ToArray());
        }
    }
}
