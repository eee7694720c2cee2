using Akka.Event;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Tokens;

/// <summary>The token actor's revocations: one token (RFC 7009), every token under a key, and the check of both.</summary>
public sealed partial class TokenActor
{
    private void Revoke(RevokeToken request, bool refreshed)
    {
        if (!refreshed && AccessTokenJwt.KeyIdOf(request.Token) is { } keyId && !_ring.Knows(keyId))
        {
            // As in Introspect: a key just started elsewhere is read before the token is judged.
            _keyView.Ask<SigningKeysRefreshed>(RefreshSigningKeys.Instance, _settings.RequestTimeout)
                .ContinueWith(_ => new RevokeAfterRefresh(request), TaskScheduler.Default)
                .PipeTo(Self, Sender);
            return;
        }

        // Opaque refresh tokens arrive with the browser-flow issue; anything that is not one of our JWTs is
        // "invalid" in RFC 7009 2.2 terms and answers 200.
        var token = Verify(request.Token);
        if (token is null || token.ExpiresAt <= _time.GetUtcNow())
        {
            Sender.Tell(RevocationAccepted.Instance);
            return;
        }

        if (!string.Equals(token.ClientId, request.ClientId, StringComparison.Ordinal))
        {
            _log.Warning("Client {ClientId} tried to revoke a token of client {OwnerClientId} (jti {Jti})", request.ClientId, token.ClientId, token.Jti);
            Sender.Tell(new OAuthError(Errors.UnauthorizedClient, "The token was not issued to this client."));
            return;
        }

        Record(token.Jti, token.ExpiresAt.ToUnixTimeSeconds(), request.ClientId, () =>
        {
            var metadata = TokenMetadata(token);
            metadata["reason"] = RevocationReason.RevokedByClient.ToWire();
            _events.Publish(EventType.TokenRevoked, request.Context, token.ClientId, UserOf(token), metadata);
        });
    }

    private bool IsRevoked(ActiveToken token) =>
        IsRevokedKey(token.Jti)
        || IsRevokedKey(RevokeByKey.Client(token.ClientId))
        || _revoked.Covers(RevokeByKey.ClientIssuedUntil(token.ClientId), token.ExpiresAt.ToUnixTimeSeconds())
        || (token.GrantId is not null && IsRevokedKey(RevokeByKey.Grant(token.GrantId)))
        || (UserOf(token) is { } user && IsRevokedKey(RevokeByKey.User(user)));

    private bool IsRevokedKey(string key) => _revoked.IsRevoked(key);

    private void RevokeKey(RevokeByKey request)
    {
        // Any token matching the key lives at most one TTL from now; the entry can go after that.
        var expiresAt = request.ExpiresAtUnix ?? (_time.GetUtcNow() + _settings.AccessTokenTtl).ToUnixTimeSeconds();
        // A repeat (a retried disable) revokes nothing new: one event for the revocation, not one per attempt.
        var known = _revoked.ExpiryOf(request.Key) >= expiresAt;
        Record(request.Key, expiresAt, request.Key, known ? null : () => PublishBulk(request));
    }

    /// <summary>
    /// A client's or a user's every token revoked at once (deleted, disabled): one token_revoked event, for the client or
    /// the user, with <c>metadata.tokens</c> saying which. A grant's revocation is not one: its refresh family's own
    /// token_revoked events tell it.
    /// </summary>
    private void PublishBulk(RevokeByKey request)
    {
        var (clientId, userId, tokens) = request.Key switch
        {
            var k when k.StartsWith(RevokeByKey.ClientIssuedUntil(string.Empty), StringComparison.Ordinal) => (k[RevokeByKey.ClientIssuedUntil(string.Empty).Length..], null, "issued_until_now"),
            var k when k.StartsWith(RevokeByKey.Client(string.Empty), StringComparison.Ordinal) => (k[RevokeByKey.Client(string.Empty).Length..], null, "all"),
            var k when k.StartsWith(RevokeByKey.User(string.Empty), StringComparison.Ordinal) => ((string?)null, k[RevokeByKey.User(string.Empty).Length..], "all"),
            _ => (null, null, (string?)null),
        };
        if (tokens is not null)
        {
            _events.Publish(EventType.TokenRevoked, request.Context, clientId, userId, new Dictionary<string, string>
            {
                ["reason"] = request.Reason,
                ["tokens"] = tokens,
                ["token_type"] = TokenTypes.AccessToken,
            });
        }
    }

    /// <summary>
    /// Records a revocation (a jti or a key) in its bucket, effective on this node at once; once recorded (and confirmed
    /// by every reachable node), answers the asker and runs <paramref name="afterRecorded"/>. A revocation that could not
    /// be recorded is undone here and answered temporarily_unavailable.
    /// </summary>
    private void Record(string key, long expiresAtUnix, string owner, Action? afterRecorded)
    {
        var replyTo = Sender;
        var revoked = _revoked;
        var previous = revoked.Confirm(key, expiresAtUnix);
        // Recording a revocation twice records it once: safe to ask again if sharding dropped the first (IdempotentAsk).
        _revocations.AskRepeating<RevocationRecorded>(RecordRevocation.For(key, expiresAtUnix, owner), _settings.RequestTimeout)
            .ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    // The bucket answers once every reachable node has confirmed it (RevocationActor).
                    replyTo.Tell(RevocationAccepted.Instance);
                    afterRecorded?.Invoke();
                }
                else
                {
                    // Not recorded, so not revoked: not answered as revoked either.
                    revoked.Withdraw(key, previous);
                    replyTo.Tell(new OAuthError(Errors.TemporarilyUnavailable, "The revocation could not be recorded; retry.", FailureKind.Unavailable));
                }
            }, TaskScheduler.Default);
    }
}
