using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Microsoft.AspNetCore.Identity;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Users;

/// <summary>
/// One user account, addressed by normalized username through Akka.Cluster.Sharding and kept in the journal:
/// the password hash (ASP.NET Core Identity's PBKDF2 hasher), failed-login counting and lockout, and the
/// consents the user gave, the user's roles, and the session epoch that ends browser sessions on sign-out. Logins for
/// one user are serialized here, which also slows parallel guessing.
/// </summary>
public sealed class UserActor : ReceivePersistentActor
{
    private static readonly PasswordHasher<UserRecord> Hasher = new();

    // Verifying against this hash makes an unknown username cost as much as a known one (no enumeration by timing).
    private static readonly string DummyHash = Hasher.HashPassword(new UserRecord("x", "x", null, string.Empty, DateTimeOffset.UnixEpoch), "not-a-real-password");

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, HashSet<string>> _consents = new(StringComparer.Ordinal);
    private UserRecord? _user;
    private int _failures;
    private DateTimeOffset _lockedUntil = DateTimeOffset.MinValue;
    private int _sessionEpoch;

    private readonly string _username;
    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly EventPublisher _events;
    private readonly IActorRef _directory;

    public UserActor(string username, ServerSettings settings, TimeProvider time, EventPublisher events, IActorRef directory)
    {
        (_username, _settings, _time, _events, _directory) = (username, settings, time, events, directory);
        Recover<UserRegistered>(e => Apply(e));
        Recover<UserLoginFailed>(e => Apply(e));
        Recover<UserLoginSucceeded>(e => Apply(e));
        Recover<UserLockedOut>(e => Apply(e));
        Recover<UserConsentGranted>(e => Apply(e));
        Recover<UserRemoved>(e => Apply(e));
        Recover<UserRolesChanged>(e => Apply(e));
        Recover<UserSessionsEnded>(e => Apply(e));

        Command<StopEntity>(_ => Context.Stop(Self));
        Command<CreateUser>(Create);
        Command<AuthenticateUser>(Authenticate);
        Command<GetUser>(_ =>
        {
            Sender.Tell(new CurrentUser(_user is null ? null : View(_user)));
            PassivateIfEmpty();
        });
        Command<DeleteUser>(Delete);
        Command<CheckConsent>(c => Sender.Tell(new ConsentStatus(
            _user is not null && _consents.TryGetValue(c.ClientId, out var granted) && c.Scopes.All(granted.Contains))));
        Command<GrantConsent>(Grant);
        Command<SetUserRoles>(SetRoles);
        Command<StartSession>(c =>
        {
            Sender.Tell(new SessionStarted(IsCurrent(c.UserId) ? _sessionEpoch : null));
            PassivateIfEmpty();
        });
        Command<CheckSession>(c =>
        {
            Sender.Tell(new SessionStatus(IsCurrent(c.UserId) && c.Epoch == _sessionEpoch));
            PassivateIfEmpty();
        });
        Command<EndSessions>(EndAllSessions);
    }

    public override string PersistenceId => PersistenceIds.For("user-", _username);

    public static Props Props(string username, ServerSettings settings, TimeProvider time, EventPublisher events, IActorRef directory) =>
        Akka.Actor.Props.Create(() => new UserActor(username, settings, time, events, directory));

    private static UserView View(UserRecord u) => new(u.UserId, u.Username, u.Email, u.CreatedAt) { Roles = u.Roles };

    private bool IsCurrent(string userId) => _user is not null && _user.UserId == userId;

    private void Apply(object e)
    {
        switch (e)
        {
            case UserRegistered r:
                _user = r.User;
                _failures = 0;
                _lockedUntil = DateTimeOffset.MinValue;
                _consents.Clear();
                break;
            case UserLoginFailed:
                _failures++;
                break;
            case UserLoginSucceeded:
                _failures = 0;
                break;
            case UserLockedOut l:
                _lockedUntil = l.Until;
                _failures = 0;
                break;
            case UserConsentGranted g:
                if (!_consents.TryGetValue(g.ClientId, out var set))
                {
                    _consents[g.ClientId] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.UnionWith(g.Scopes);
                break;
            case UserRemoved:
                _user = null;
                _consents.Clear();
                break;
            case UserRolesChanged r when _user is not null:
                _user = _user with { Roles = r.Roles };
                break;
            case UserSessionsEnded s:
                _sessionEpoch = Math.Max(_sessionEpoch, s.Epoch);
                break;
        }
    }

    private void Create(CreateUser command)
    {
        if (_user is not null)
        {
            Sender.Tell(new UserRejected(UserRejection.UserExists, "A user with this username already exists."));
            return;
        }

        var now = _time.GetUtcNow();
        var id = Clients.Secrets.NewClientId();
        var record = new UserRecord(id, command.Username.Trim(), string.IsNullOrWhiteSpace(command.Email) ? null : command.Email.Trim(), string.Empty, now) { Roles = command.Roles };
        record = record with { PasswordHash = Hasher.HashPassword(record, command.Password) };
        var replyTo = Sender;
        Persist(new UserRegistered(record), e =>
        {
            Apply(e);
            _log.Info("User {UserId} created with roles [{Roles}]", record.UserId, string.Join(' ', record.Roles));
            Listed(new ListUser(View(record)), new UserCreated(View(record)), replyTo);
        });
    }

    private void Authenticate(AuthenticateUser command)
    {
        var now = _time.GetUtcNow();
        if (_user is null)
        {
            Hasher.VerifyHashedPassword(new UserRecord("x", "x", null, DummyHash, now), DummyHash, command.Password);
            Reject(command, "unknown_user", null);
            PassivateIfEmpty();
            return;
        }

        if (_lockedUntil > now)
        {
            Reject(command, "locked_out", _user);
            return;
        }

        var result = Hasher.VerifyHashedPassword(_user, _user.PasswordHash, command.Password);
        if (result == PasswordVerificationResult.Failed)
        {
            var replyTo = Sender;
            Persist(new UserLoginFailed(now), e =>
            {
                Apply(e);
                if (_failures >= _settings.LockoutMaxFailures)
                {
                    Persist(new UserLockedOut(now + _settings.LockoutDuration), Apply);
                    _log.Warning("User {UserId} locked out after {Failures} failed logins", _user.UserId, _settings.LockoutMaxFailures);
                }
            });
            Reject(command, "bad_password", _user, replyTo);
            return;
        }

        var user = _user;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            Persist(new UserRegistered(user with { PasswordHash = Hasher.HashPassword(user, command.Password) }), e => { _user = e.User; });
        }

        if (_failures > 0)
        {
            Persist(new UserLoginSucceeded(now), Apply);
        }

        _events.Publish(EventType.UserAuthenticated, command.Context, command.ClientId, user.UserId, new Dictionary<string, string>
        {
            ["method"] = command.Method,
            ["username"] = user.Username,
        });
        Sender.Tell(new UserAuthenticated(View(user)));
    }

    private void Reject(AuthenticateUser command, string reason, UserRecord? user, IActorRef? replyTo = null)
    {
        _events.Publish(EventType.UserAuthenticationFailed, command.Context, command.ClientId, user?.UserId, new Dictionary<string, string>
        {
            ["method"] = command.Method,
            ["reason"] = reason,
            ["username"] = command.Username.Trim(),
        }, EventSeverity.Warning, "authentication_failed");
        (replyTo ?? Sender).Tell(new UserAuthenticationRejected(reason));
    }

    private void Delete(DeleteUser command)
    {
        if (_user is null)
        {
            Sender.Tell(new UserDeleted(_username, null));
            PassivateIfEmpty();
            return;
        }

        var replyTo = Sender;
        var user = _user;
        Persist(new UserRemoved(_time.GetUtcNow()), e =>
        {
            Apply(e);
            _log.Info("User {UserId} deleted", user.UserId);
            Listed(new UnlistUser(_username), new UserDeleted(_username, user.UserId), replyTo);
        });
    }

    private void SetRoles(SetUserRoles command)
    {
        if (!IsCurrent(command.UserId))
        {
            Sender.Tell(new UserRejected(UserRejection.UnknownUser, "No such user."));
            PassivateIfEmpty();
            return;
        }

        var replyTo = Sender;
        var before = _user!.Roles;
        if (before.SequenceEqual(command.Roles, StringComparer.Ordinal))
        {
            replyTo.Tell(new UserRolesSet(View(_user)));
            return;
        }

        Persist(new UserRolesChanged(command.Roles, _time.GetUtcNow()), e =>
        {
            Apply(e);
            var user = _user!;
            // The event model has no type for account changes: the log is where a role change is recorded.
            _log.Info(
                "User {UserId} roles changed from [{OldRoles}] to [{NewRoles}] (correlation {CorrelationId})",
                user.UserId, string.Join(' ', before), string.Join(' ', user.Roles), command.Context.CorrelationId);
            Listed(new ListUser(View(user)), new UserRolesSet(View(user)), replyTo);
        });
    }

    private void EndAllSessions(EndSessions command)
    {
        if (!IsCurrent(command.UserId))
        {
            Sender.Tell(new SessionsEnded(false));
            PassivateIfEmpty();
            return;
        }

        var replyTo = Sender;
        Persist(new UserSessionsEnded(_sessionEpoch + 1, _time.GetUtcNow()), e =>
        {
            Apply(e);
            replyTo.Tell(new SessionsEnded(true));
        });
    }

    /// <summary>
    /// Answers once the directory has written the change, so that what the admin API answered can be looked up by
    /// user_id and listed at once, from any node; if the directory does not answer in time, answers all the same (the
    /// account itself is written).
    /// </summary>
    private void Listed(IUserDirectoryCommand change, object reply, IActorRef replyTo) =>
        _directory.Ask<UserListingUpdated>(change, _settings.RequestTimeout)
            .ContinueWith(_ => reply, TaskScheduler.Default)
            .PipeTo(replyTo);

    private void Grant(GrantConsent command)
    {
        var replyTo = Sender;
        if (_user is null)
        {
            replyTo.Tell(new UserRejected(UserRejection.UnknownUser, "No such user."));
            return;
        }

        Persist(new UserConsentGranted(command.ClientId, command.Scopes.ToArray()), e =>
        {
            Apply(e);
            replyTo.Tell(new ConsentRecorded());
        });
    }

    private void PassivateIfEmpty()
    {
        if (_user is null)
        {
            Context.Parent.Tell(new Passivate(StopEntity.Instance));
        }
    }
}

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

    public override string PersistenceId => "user-directory";

    public static Props Props() => Akka.Actor.Props.Create(() => new UserDirectoryActor());

    private void SnapshotNow()
    {
        if (LastSequenceNr % 100 == 0)
        {
            SaveSnapshot(_users.Values.ToArray());
        }
    }
}
