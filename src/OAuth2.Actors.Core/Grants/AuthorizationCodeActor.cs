using Akka.Cluster.Sharding;
using Akka.Persistence;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Grants;

/// <summary>
/// One authorization code, a sharded entity named by the code's hash. Redemptions of a code are serialized here,
/// so exactly one succeeds however many arrive at once; any later one is a replay and revokes what the code
/// granted (RFC 6749 4.1.2). The code and its redemption are journaled: a code survives a shard hand-off, a node's
/// death and passivation, and a replay is recognised as one whenever it comes.
/// </summary>
public sealed class AuthorizationCodeActor : ReceivePersistentActor
{
    private readonly string _codeId;
    private readonly TimeProvider _time;
    private readonly EventPublisher _events;
    private CodeGrant? _grant;
    private bool _redeemed;

    public AuthorizationCodeActor(string codeId, TimeProvider time, EventPublisher events)
    {
        _codeId = codeId;
        _time = time;
        _events = events;

        Recover<CodeIssued>(e => _grant = e.Grant);
        Recover<CodeConsumed>(_ => _redeemed = true);
        Command<CreateCode>(Create);
        Command<RedeemCode>(Redeem);
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(StopEntity.Instance)));
        Command<StopEntity>(_ => Context.Stop(Self));
    }

    public override string PersistenceId => PersistenceIds.For("authorization-code-", _codeId);

    public static Props Props(string codeId, TimeProvider time, EventPublisher events) =>
        Akka.Actor.Props.Create(() => new AuthorizationCodeActor(codeId, time, events));

    protected override void OnReplaySuccess()
    {
        // An idle code entity goes: one that was never issued at once, an issued one a while after its expiry (it
        // comes back from the journal if the code is presented again).
        Context.SetReceiveTimeout(_grant is null ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(2));
    }

    private void Create(CreateCode c)
    {
        if (_grant is not null)
        {
            // Code ids are hashes of 256 random bits: a second issue is a bug, never a reason to overwrite the first.
            Sender.Tell(new Status.Failure(new InvalidOperationException("This authorization code was already issued.")));
            return;
        }

        var replyTo = Sender;
        Persist(new CodeIssued(c.Grant), e =>
        {
            _grant = e.Grant;
            _events.Publish(EventType.AuthorizationCodeCreated, c.Context, e.Grant.ClientId, e.Grant.UserId, new Dictionary<string, string>
            {
                ["scope"] = e.Grant.Scope,
                ["redirect_uri"] = e.Grant.RedirectUri,
                ["code_challenge_method"] = e.Grant.CodeChallenge is null ? "none" : CodeChallengeMethods.S256,
                ["grant_id"] = e.Grant.GrantId,
            });
            replyTo.Tell(new CodeCreated(c.CodeId));
        });
    }

    private void Redeem(RedeemCode r)
    {
        if (_grant is null)
        {
            Sender.Tell(new CodeRejected(CodeRejection.Unknown, null));
            Context.Parent.Tell(new Passivate(StopEntity.Instance));
            return;
        }

        var metadata = new Dictionary<string, string> { ["grant_id"] = _grant.GrantId };
        if (_redeemed)
        {
            metadata["reason"] = CodeRejection.Replayed.ToWire();
            _events.Publish(EventType.AuthorizationCodeExpired, r.Context, _grant.ClientId, _grant.UserId, metadata, EventSeverity.Warning, Errors.InvalidGrant);
            Sender.Tell(new CodeRejected(CodeRejection.Replayed, _grant.GrantId));
            return;
        }

        if (_grant.ExpiresAt <= _time.GetUtcNow())
        {
            metadata["reason"] = CodeRejection.Expired.ToWire();
            _events.Publish(EventType.AuthorizationCodeExpired, r.Context, _grant.ClientId, _grant.UserId, metadata, EventSeverity.Warning, Errors.InvalidGrant);
            Sender.Tell(new CodeRejected(CodeRejection.Expired, null));
            return;
        }

        // Binding failures do not consume the code: they prove nothing about the legitimate holder.
        var mismatch =
            !string.Equals(r.ClientId, _grant.ClientId, StringComparison.Ordinal) ? CodeRejection.ClientMismatch
            : (_grant.RedirectUriGiven || r.RedirectUri is not null) && !string.Equals(r.RedirectUri, _grant.RedirectUri, StringComparison.Ordinal) ? CodeRejection.RedirectUriMismatch
            : _grant.CodeChallenge is not null && !Codes.VerifierMatches(r.CodeVerifier, _grant.CodeChallenge) ? CodeRejection.PkceFailed
            : _grant.CodeChallenge is null && r.CodeVerifier is not null ? CodeRejection.PkceFailed
            : (CodeRejection?)null;
        if (mismatch is not null)
        {
            Sender.Tell(new CodeRejected(mismatch.Value, null));
            return;
        }

        // Journaled before it is answered: once a client holds tokens for this code, no restart forgets it was used.
        var replyTo = Sender;
        var grant = _grant;
        Persist(new CodeConsumed(_time.GetUtcNow()), _ =>
        {
            _redeemed = true;
            _events.Publish(EventType.AuthorizationCodeValidated, r.Context, grant.ClientId, grant.UserId, metadata);
            replyTo.Tell(new CodeRedeemed(grant));
        });
    }
}
