using Akka.Cluster.Sharding;
using Akka.Event;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Users;

/// <summary>The user entity's administration: deletion, roles, the sign-in back-off, ending every session, consents, and passivation.</summary>
public sealed partial class UserActor
{
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

    private void Unlock(UnlockUser command)
    {
        if (!IsCurrent(command.UserId))
        {
            Sender.Tell(new UserRejected(UserRejection.UnknownUser, "No such user."));
            PassivateIfEmpty();
            return;
        }

        var replyTo = Sender;
        var cleared = _failures;
        if (cleared == 0)
        {
            // Nothing to reset: nothing written, and the same answer (an unlock is idempotent).
            replyTo.Tell(new UserUnlocked(View(_user!), 0));
            return;
        }

        var waiting = NotBefore > _time.GetUtcNow();
        Persist(new UserSignInBackoffReset(_time.GetUtcNow()), e =>
        {
            Apply(e);
            var user = _user!;
            // As for roles, the log is where an account change is recorded (the event model has no type for it).
            _log.Info(
                "User {UserId} sign-in back-off reset after {Failures} failed sign-ins in a row (a wait was running: {Waiting}; correlation {CorrelationId})",
                user.UserId, cleared, waiting, command.Context.CorrelationId);
            replyTo.Tell(new UserUnlocked(View(user), cleared));
        });
    }

    /// <summary>The back-off as the admin console shows it: the failures in a row, and the wait when one is running now.</summary>
    private CurrentSignInBackoff Backoff()
    {
        if (_user is null)
        {
            return new CurrentSignInBackoff(null, 0, null);
        }

        var notBefore = NotBefore;
        return new CurrentSignInBackoff(_user.UserId, _failures, notBefore > _time.GetUtcNow() ? notBefore : null);
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
