using Akka.Cluster.Sharding;
using Akka.Persistence;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Grants;

/// <summary>
/// One refresh-token family (one grant), a sharded persistent entity. Each use rotates the token; presenting a
/// token that was already rotated (after the leeway) is reuse, and closes the whole family (OAuth 2.0 Security
/// BCP 4.14). Only hashes of the tokens are kept.
/// </summary>
public sealed class RefreshFamilyActor : ReceivePersistentActor
{
    private readonly string _familyId;
    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly EventPublisher _events;
    private readonly Dictionary<string, DateTimeOffset> _rotated = new(StringComparer.Ordinal);
    private RefreshFamilyOpened? _family;
    private string? _current;
    private DateTimeOffset _currentIssuedAt;
    private string? _closedReason;

    public RefreshFamilyActor(string familyId, ServerSettings settings, TimeProvider time, EventPublisher events)
    {
        _familyId = familyId;
        _settings = settings;
        _time = time;
        _events = events;

        Recover<RefreshFamilyOpened>(Apply);
        Recover<RefreshTokenRotated>(Apply);
        Recover<RefreshFamilyClosed>(Apply);

        Command<StopEntity>(_ => Context.Stop(Self));
        Command<StartRefreshFamily>(Start);
        Command<UseRefreshToken>(Use);
        Command<RevokeRefreshFamily>(Revoke);
        Command<InspectRefreshToken>(Inspect);
    }

    public override string PersistenceId => PersistenceIds.For("refresh-family-", _familyId);

    public static Props Props(string familyId, ServerSettings settings, TimeProvider time, EventPublisher events) =>
        Akka.Actor.Props.Create(() => new RefreshFamilyActor(familyId, settings, time, events));

    private void Apply(object e)
    {
        switch (e)
        {
            case RefreshFamilyOpened o:
                _family = o;
                _current = o.SecretHash;
                _currentIssuedAt = o.IssuedAt;
                break;
            case RefreshTokenRotated r:
                _rotated[r.OldHash] = r.At;
                _current = r.NewHash;
                _currentIssuedAt = r.At;
                break;
            case RefreshFamilyClosed c:
                _closedReason = c.Reason;
                break;
        }
    }

    private void Start(StartRefreshFamily s)
    {
        if (_family is not null)
        {
            Sender.Tell(new RefreshFamilyStarted(_familyId));
            return;
        }

        var replyTo = Sender;
        Persist(new RefreshFamilyOpened(s.ClientId, s.UserId, s.Scope, s.SecretHash, _time.GetUtcNow(), s.ExpiresAt, s.Username, s.Resources is { Count: > 0 } ? s.Resources : null), e =>
        {
            Apply(e);
            replyTo.Tell(new RefreshFamilyStarted(_familyId));
        });
    }

    private void Use(UseRefreshToken u)
    {
        var now = _time.GetUtcNow();
        if (_family is null)
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.Unknown, NoSuchFamily: true));
            Context.Parent.Tell(new Passivate(StopEntity.Instance));
            return;
        }

        if (_closedReason is not null)
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.Revoked));
            return;
        }

        if (!string.Equals(u.ClientId, _family.ClientId, StringComparison.Ordinal))
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.ClientMismatch));
            return;
        }

        if (_family.ExpiresAt <= now)
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.Expired));
            return;
        }

        var hash = RefreshTokens.Hash(u.Secret);
        if (_rotated.TryGetValue(hash, out var rotatedAt))
        {
            if (now - rotatedAt <= _settings.RefreshTokenReuseLeeway)
            {
                Sender.Tell(new RefreshRejected(RefreshRejection.AlreadyUsed));
                return;
            }

            var replyTo = Sender;
            Persist(new RefreshFamilyClosed(RevocationReason.RefreshTokenReuse.ToWire(), now), e =>
            {
                Apply(e);
                _events.Publish(EventType.TokenRevoked, u.Context, _family.ClientId, _family.UserId, new Dictionary<string, string>
                {
                    ["reason"] = RevocationReason.RefreshTokenReuse.ToWire(),
                    ["token_type"] = TokenTypes.RefreshToken,
                    ["family_id"] = _familyId,
                }, EventSeverity.Warning, RevocationReason.RefreshTokenReuse.ToWire());
                replyTo.Tell(new RefreshRejected(RefreshRejection.ReuseDetected));
            });
            return;
        }

        if (_current is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(hash), System.Text.Encoding.ASCII.GetBytes(_current)))
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.Unknown));
            return;
        }

        var granted = _family.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (u.RequestedScopes.Any(s => !granted.Contains(s, StringComparer.Ordinal)))
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.InvalidScope));
            return;
        }

        // RFC 6749 6: never more than the grant; and never a scope the client no longer holds (it lost it since).
        var kept = (u.RequestedScopes.Count == 0 ? granted : u.RequestedScopes)
            .Where(s => u.ClientScopes is null || u.ClientScopes.Contains(s, StringComparer.Ordinal))
            .ToArray();
        if (kept.Length == 0)
        {
            Sender.Tell(new RefreshRejected(RefreshRejection.InvalidScope));
            return;
        }

        var scope = ScopeSyntax.Join(kept);
        var (token, secret) = RefreshTokens.New(_familyId);
        var reply = Sender;
        Persist(new RefreshTokenRotated(RefreshTokens.Hash(secret), hash, now), e =>
        {
            Apply(e);
            reply.Tell(new RefreshRotated(_familyId, token, _family.UserId, scope, _family.ExpiresAt, _family.Username, _family.Resources));
        });
    }

    private void Inspect(InspectRefreshToken i)
    {
        if (_family is null)
        {
            Sender.Tell(RefreshTokenInspected.Inactive);
            if (_closedReason is null)
            {
                Context.Parent.Tell(new Passivate(StopEntity.Instance));
            }

            return;
        }

        // RFC 7662 4: a token is described only to the client it was issued to; to anyone else it is simply not active.
        var active = _closedReason is null
            && _family.ExpiresAt > _time.GetUtcNow()
            && string.Equals(i.ClientId, _family.ClientId, StringComparison.Ordinal)
            && _current is not null
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(RefreshTokens.Hash(i.Secret)), System.Text.Encoding.ASCII.GetBytes(_current));
        Sender.Tell(active
            ? new RefreshTokenInspected(true, _family.ClientId, _family.UserId, _family.Scope, _family.Resources, _currentIssuedAt, _family.ExpiresAt)
            : RefreshTokenInspected.Inactive);
    }

    private void Revoke(RevokeRefreshFamily r)
    {
        if (_family is null)
        {
            if (r.Secret is null && _closedReason is null)
            {
                // The server closes a grant whose family may not exist yet (a replayed code racing the first
                // redemption): remember it closed, so the family is born revoked.
                var replyTo0 = Sender;
                Persist(new RefreshFamilyClosed(r.Reason.ToWire(), _time.GetUtcNow()), e =>
                {
                    Apply(e);
                    replyTo0.Tell(new RefreshFamilyRevoked(_familyId, false, false));
                });
                return;
            }

            Sender.Tell(new RefreshFamilyRevoked(_familyId, false, false));
            return;
        }

        if (r.Secret is not null)
        {
            // The family id is visible (gid claim); only a holder of one of its tokens may close it.
            var hash = RefreshTokens.Hash(r.Secret);
            if (!_rotated.ContainsKey(hash) && !string.Equals(hash, _current, StringComparison.Ordinal))
            {
                Sender.Tell(new RefreshFamilyRevoked(_familyId, false, false));
                return;
            }
        }

        if (r.ClientId is not null && !string.Equals(r.ClientId, _family.ClientId, StringComparison.Ordinal))
        {
            Sender.Tell(new RefreshFamilyRevoked(_familyId, true, true));
            return;
        }

        if (_closedReason is not null)
        {
            Sender.Tell(new RefreshFamilyRevoked(_familyId, true, false));
            return;
        }

        var replyTo = Sender;
        Persist(new RefreshFamilyClosed(r.Reason.ToWire(), _time.GetUtcNow()), e =>
        {
            Apply(e);
            _events.Publish(EventType.TokenRevoked, r.Context, _family.ClientId, _family.UserId, new Dictionary<string, string>
            {
                ["reason"] = r.Reason.ToWire(),
                ["token_type"] = TokenTypes.RefreshToken,
                ["family_id"] = _familyId,
            });
            replyTo.Tell(new RefreshFamilyRevoked(_familyId, true, false));
        });
    }
}
