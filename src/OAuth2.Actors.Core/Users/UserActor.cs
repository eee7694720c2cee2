using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Microsoft.AspNetCore.Identity;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Users;

/// <summary>
/// One user account, addressed by normalized username through Akka.Cluster.Sharding and kept in the journal:
/// the password hash (ASP.NET Core Identity's PBKDF2 hasher, run on the node's bounded <see cref="PasswordHashing"/>
/// workers), the count of wrong passwords in a row with the back-off it imposes, the consents the user gave, the
/// user's roles, and the session epoch that ends browser sessions on sign-out. Sign-ins of one user are serialized here
/// (the others wait in the stash while a hash runs), which also slows parallel guessing. Every answer to a sign-in
/// costs one hash, whatever it is (unknown user, backing off, wrong or right password), so response time tells
/// nothing; work whose request already timed out is dropped, not run.
/// </summary>
public sealed partial class UserActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, HashSet<string>> _consents = new(StringComparer.Ordinal);
    private UserRecord? _user;
    private int _failures;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;
    private int _sessionEpoch;

    private readonly string _username;
    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly EventPublisher _events;
    private readonly IActorRef _directory;
    private readonly PasswordHashing _hashing;
    private readonly UnknownIdCache _unknownIds;

    public UserActor(string username, ServerSettings settings, TimeProvider time, EventPublisher events, IActorRef directory, PasswordHashing? hashing = null, UnknownIdCache? unknownIds = null)
    {
        (_username, _settings, _time, _events, _directory) = (username, settings, time, events, directory);
        _hashing = hashing ?? PasswordHashing.For(settings, time);
        _unknownIds = unknownIds ?? UnknownIdCache.Disabled;
        Recover<UserRegistered>(e => Apply(e));
        Recover<UserLoginFailed>(e => Apply(e));
        Recover<UserLoginSucceeded>(e => Apply(e));
        Recover<UserLockedOut>(e => Apply(e));
        Recover<UserPasswordRehashed>(e => Apply(e));
        Recover<UserConsentGranted>(e => Apply(e));
        Recover<UserRemoved>(e => Apply(e));
        Recover<UserRolesChanged>(e => Apply(e));
        Recover<UserSessionsEnded>(e => Apply(e));
        Recover<UserSignInBackoffReset>(e => Apply(e));
        Ready();
    }

    public override string PersistenceId => PersistenceIds.For("user-", _username);

    /// <param name="hashing">The node's workers (<see cref="OAuth2Setup.PasswordHashing"/>); null: workers of this entity's own (specs).</param>
    public static Props Props(string username, ServerSettings settings, TimeProvider time, EventPublisher events, IActorRef directory, PasswordHashing? hashing = null, UnknownIdCache? unknownIds = null) =>
        Akka.Actor.Props.Create(() => new UserActor(username, settings, time, events, directory, hashing, unknownIds));

    private static UserView View(UserRecord u) => new(u.UserId, u.Username, u.Email, u.CreatedAt) { Roles = u.Roles };

    private void Ready()
    {
        Command<StopEntity>(_ => Context.Stop(Self));
        Command<CreateUser>(Create);
        Command<AuthenticateUser>(Authenticate);
        Command<Rehashed>(Rehash);
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
            var active = IsCurrent(c.UserId) && c.Epoch == _sessionEpoch;
            Sender.Tell(new SessionStatus(active, active ? _user!.Roles : null));
            PassivateIfEmpty();
        });
        Command<EndSessions>(EndAllSessions);
        Command<UnlockUser>(Unlock);
        Command<GetSignInBackoff>(_ =>
        {
            Sender.Tell(Backoff());
            PassivateIfEmpty();
        });
    }

    private bool IsCurrent(string userId) => _user is not null && _user.UserId == userId;

    /// <summary>While a hash runs on the workers: everything else waits its turn.</summary>
    private void Hashing()
    {
        Command<Hashed>(Finish);
        Command<StopEntity>(_ => Context.Stop(Self));
        CommandAny(_ => Stash.Stash());
    }

    private void Apply(object e)
    {
        switch (e)
        {
            case UserRegistered r:
                _user = r.User;
                _failures = 0;
                _lastFailure = DateTimeOffset.MinValue;
                _consents.Clear();
                break;
            case UserPasswordRehashed h when _user is not null:
                _user = _user with { PasswordHash = h.PasswordHash };
                break;
            case UserLoginFailed f:
                _failures++;
                _lastFailure = f.At;
                break;
            case UserLoginSucceeded:
                _failures = 0;
                break;
            case UserLockedOut:
                // Written by versions that locked accounts: the lock is not kept (back-off replaced it), nor the count.
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
            case UserSignInBackoffReset:
                _failures = 0;
                _lastFailure = DateTimeOffset.MinValue;
                break;
        }
    }

    /// <summary>When the next sign-in of this user may be tried (the past when it may now).</summary>
    private DateTimeOffset NotBefore => _failures < _settings.SignInBackoffAfterFailures
        ? DateTimeOffset.MinValue
        : _lastFailure + _settings.SignInBackoff(_failures);

    private bool Expired(DateTimeOffset? deadline, string what)
    {
        if (deadline is { } d && d <= _time.GetUtcNow())
        {
            // The asker has given up: doing the work now would only delay the requests still waiting.
            _log.Debug("Dropped {What} for a request that already timed out", what);
            return true;
        }

        return false;
    }

    private void Create(CreateUser command)
    {
        if (Expired(command.Deadline, "a user creation"))
        {
            PassivateIfEmpty();
            return;
        }

        if (_user is not null)
        {
            Sender.Tell(new UserRejected(UserRejection.UserExists, "A user with this username already exists."));
            return;
        }

        var record = new UserRecord(Clients.Secrets.NewClientId(), command.Username.Trim(), string.IsNullOrWhiteSpace(command.Email) ? null : command.Email.Trim(), string.Empty, _time.GetUtcNow()) { Roles = command.Roles };
        StartHashing(_hashing.Hash(record, command.Password, Deadline(command.Deadline)), command, Sender, record);
    }

    private void Authenticate(AuthenticateUser command)
    {
        if (Expired(command.Deadline, "a sign-in"))
        {
            PassivateIfEmpty();
            return;
        }

        var deadline = Deadline(command.Deadline);
        Task<object?> work = _user is null
            ? _hashing.VerifyNobody(command.Password, deadline).ContinueWith(t => t.Result ? (object?)PasswordVerificationResult.Failed : null, TaskScheduler.Default)
            // Backing off or not, the same hash runs: whether a user is backing off must not show in the time taken.
            : _hashing.Verify(_user, command.Password, deadline).ContinueWith(t => (object?)t.Result, TaskScheduler.Default);
        StartHashing(work, command, Sender, _user, _time.GetUtcNow());
    }

    private void StartHashing<T>(Task<T> work, object command, IActorRef replyTo, UserRecord? user, DateTimeOffset? at = null)
    {
        work.PipeTo(Self, success: r => new Hashed(command, replyTo, user, r, at ?? _time.GetUtcNow()), failure: e => new Hashed(command, replyTo, user, e, at ?? _time.GetUtcNow()));
        Become(Hashing);
    }

    private void Finish(Hashed done)
    {
        Become(Ready);
        Stash.UnstashAll();
        if (done.Result is Exception e)
        {
            _log.Error(e, "Password hashing failed");
            done.ReplyTo.Tell(new Status.Failure(e));
            return;
        }

        if (done.Result is null)
        {
            // Dropped by the workers: its request timed out while it waited.
            PassivateIfEmpty();
            return;
        }

        switch (done.Command)
        {
            case CreateUser create:
                Created(create, done.User! with { PasswordHash = (string)done.Result }, done.ReplyTo);
                break;
            case AuthenticateUser authenticate:
                Authenticated(authenticate, (PasswordVerificationResult)done.Result, done.ReplyTo, done.At);
                break;
        }
    }

    private void Created(CreateUser command, UserRecord record, IActorRef replyTo)
    {
        if (_user is not null)
        {
            replyTo.Tell(new UserRejected(UserRejection.UserExists, "A user with this username already exists."));
            return;
        }

        Persist(new UserRegistered(record), e =>
        {
            Apply(e);
            _log.Info("User {UserId} created with roles [{Roles}]", record.UserId, string.Join(' ', record.Roles));
            var created = new UserCreated(View(record));
            if (!_unknownIds.Enabled)
            {
                Listed(new ListUser(View(record)), created, replyTo);
                return;
            }

            // Listed in the directory, and every node forgets it ever heard this username was unknown, before the creation is answered.
            var forgotten = UnknownIdCacheActor.ForgetEverywhere(Context.System, _unknownIds, UnknownIdKind.User, _username, _settings.RequestTimeout);
            var listed = _directory.Ask<UserListingUpdated>(new ListUser(View(record)), _settings.RequestTimeout);
            Task.WhenAll(forgotten, listed).ContinueWith(_ => (object)created, TaskScheduler.Default).PipeTo(replyTo);
        });
    }

    private void Authenticated(AuthenticateUser command, PasswordVerificationResult result, IActorRef replyTo, DateTimeOffset at)
    {
        if (_user is null)
        {
            Reject(command, SignInFailure.UnknownUser, null, replyTo);
            PassivateIfEmpty();
            return;
        }

        // Judged at arrival: a sign-in that came during the back-off is refused even if the wait ended while it hashed.
        if (NotBefore > at)
        {
            Reject(command, SignInFailure.BackingOff, _user, replyTo);
            return;
        }

        if (result == PasswordVerificationResult.Failed)
        {
            var user = _user;
            Persist(new UserLoginFailed(at), e =>
            {
                Apply(e);
                if (_failures >= _settings.SignInBackoffAfterFailures)
                {
                    _log.Warning("User {UserId} has {Failures} failed sign-ins in a row: the next waits {Delay}", user.UserId, _failures, _settings.SignInBackoff(_failures));
                }
            });
            Reject(command, SignInFailure.BadPassword, user, replyTo);
            return;
        }

        var current = _user;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // Older hash (fewer iterations): rehashed at the configured cost, off the request, kept if the password is unchanged by then.
            _hashing.Hash(current, command.Password, _time.GetUtcNow() + TimeSpan.FromMinutes(1))
                .PipeTo(Self, success: hash => new Rehashed(current.PasswordHash, hash), failure: _ => new Rehashed(current.PasswordHash, null));
        }

        if (_failures > 0)
        {
            Persist(new UserLoginSucceeded(at), Apply);
        }

        _events.Publish(EventType.UserAuthenticated, command.Context, command.ClientId, current.UserId, new Dictionary<string, string>
        {
            ["method"] = command.Method,
            ["username"] = current.Username,
        });
        replyTo.Tell(new UserAuthenticated(View(current)));
    }

    private void Rehash(Rehashed rehashed)
    {
        if (rehashed.NewHash is { } hash && _user is not null && _user.PasswordHash == rehashed.OldHash)
        {
            Persist(new UserPasswordRehashed(hash), Apply);
        }
    }

    private void Reject(AuthenticateUser command, string reason, UserRecord? user, IActorRef replyTo)
    {
        SignInFailure.Publish(_events, command, reason, user?.UserId);
        replyTo.Tell(new UserAuthenticationRejected(reason));
    }

    private DateTimeOffset Deadline(DateTimeOffset? deadline) => deadline ?? _time.GetUtcNow() + _settings.RequestTimeout;

    /// <summary>A hash finished on the workers (a verification result, a new hash, null when dropped, or an exception).</summary>
    private sealed record Hashed(object Command, IActorRef ReplyTo, UserRecord? User, object? Result, DateTimeOffset At) : INoSerializationVerificationNeeded;

    private sealed record Rehashed(string OldHash, string? NewHash) : INoSerializationVerificationNeeded;
}
