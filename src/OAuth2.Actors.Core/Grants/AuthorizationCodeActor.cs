using Akka.Cluster.Sharding;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Grants;

/// <summary>
/// One authorization code, a sharded entity named by the code's hash. Redemptions of a code are serialized here,
/// so exactly one succeeds however many arrive at once; any later one is a replay and revokes what the code
/// granted (RFC 6749 4.1.2). Codes live seconds, so they are kept in memory only, never in the journal.
/// </summary>
public sealed class AuthorizationCodeActor : ReceiveActor
{
    private readonly TimeProvider _time;
    private readonly EventPublisher _events;
    private CodeGrant? _grant;
    private bool _redeemed;

    public AuthorizationCodeActor(TimeProvider time, EventPublisher events)
    {
        _time = time;
        _events = events;

        Receive<CreateCode>(c =>
        {
            _grant = c.Grant;
            Context.SetReceiveTimeout((c.Grant.ExpiresAt - _time.GetUtcNow()) + TimeSpan.FromMinutes(5));
            _events.Publish(EventType.AuthorizationCodeCreated, c.Context, c.Grant.ClientId, c.Grant.UserId, new Dictionary<string, string>
            {
                ["scope"] = c.Grant.Scope,
                ["redirect_uri"] = c.Grant.RedirectUri,
                ["code_challenge_method"] = c.Grant.CodeChallenge is null ? "none" : CodeChallengeMethods.S256,
                ["grant_id"] = c.Grant.GrantId,
            });
            Sender.Tell(new CodeCreated(c.CodeId));
        });
        Receive<RedeemCode>(Redeem);
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public static Props Props(TimeProvider time, EventPublisher events) => Akka.Actor.Props.Create(() => new AuthorizationCodeActor(time, events));

    private void Redeem(RedeemCode r)
    {
        if (_grant is null)
        {
            Sender.Tell(new CodeRejected(CodeRejection.Unknown, null));
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
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

        _redeemed = true;
        _events.Publish(EventType.AuthorizationCodeValidated, r.Context, _grant.ClientId, _grant.UserId, metadata);
        Sender.Tell(new CodeRedeemed(_grant));
    }
}
