using OAuth2.Actors.Grants;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// A code entity is journaled: after it stopped (passivation, a shard hand-off, a restart), an incarnation recovered from
/// the journal still knows the code was redeemed, and names the grant to revoke (RFC 6749 4.1.2).
/// </summary>
public class AuthorizationCodeActorSpec(ITestOutputHelper output) : PersistenceSpec(output)
{
    private static readonly RequestContext Context = new("corr-code");

    private const string Verifier = "verifier-0123456789-0123456789-0123456789-abcdef";

    private IActorRef Start(string codeId) => Sys.ActorOf(AuthorizationCodeActor.Props(codeId, _time, EventPublisher.None));

    private CodeGrant Grant(string grantId) => new(
        grantId, "client-1", "user-1", "alice", "https://app.example/cb", true, "read",
        Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(Verifier))),
        _time.GetUtcNow().AddMinutes(1));

    private async Task StopAsync(IActorRef entity)
    {
        await WatchAsync(entity);
        entity.Tell(StopEntity.Instance);
        await ExpectTerminatedAsync(entity);
    }

    private async Task<object> RedeemAsync(IActorRef entity, string codeId)
    {
        entity.Tell(new RedeemCode(codeId, "client-1", "https://app.example/cb", Verifier, Context), TestActor);
        return await ExpectMsgAsync<object>();
    }

    [Fact]
    public async Task AuthorizationCode_replayed_after_its_entity_stopped_must_be_recognised_as_a_replay()
    {
        var codeId = "code-" + Guid.NewGuid().ToString("N");
        var first = Start(codeId);
        first.Tell(new CreateCode(codeId, Grant("grant-1"), Context), TestActor);
        await ExpectMsgAsync<CodeCreated>();
        Assert.IsType<CodeRedeemed>(await RedeemAsync(first, codeId));
        await StopAsync(first);

        var second = Start(codeId);
        var replay = await RedeemAsync(second, codeId);

        Assert.Equal(new CodeRejected(CodeRejection.Replayed, "grant-1"), replay);
    }

    [Fact]
    public async Task AuthorizationCode_issued_but_not_redeemed_before_its_entity_stopped_must_still_redeem_once()
    {
        var codeId = "code-" + Guid.NewGuid().ToString("N");
        var first = Start(codeId);
        first.Tell(new CreateCode(codeId, Grant("grant-2"), Context), TestActor);
        await ExpectMsgAsync<CodeCreated>();
        await StopAsync(first);

        var second = Start(codeId);

        Assert.IsType<CodeRedeemed>(await RedeemAsync(second, codeId));
        Assert.Equal(new CodeRejected(CodeRejection.Replayed, "grant-2"), await RedeemAsync(second, codeId));
    }
}
