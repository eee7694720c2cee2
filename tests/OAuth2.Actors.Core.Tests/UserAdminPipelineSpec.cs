using Akka.Event;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// The user admin pipeline's caller: the admin console's session is admitted only while the user's entity says it is
/// current and its user holds the admin role now; without a session, the bearer checks apply as before.
/// </summary>
public class UserAdminPipelineSpec : PersistenceSpec
{
    private static readonly SessionUser Console = new("admin-1", "boss", 2);
    private static readonly UserView Alice = new("user-1", "alice", null, SpecSupport.Start);

    private readonly TestProbe _users;
    private readonly TestProbe _directory;
    private readonly TestProbe _tokens;
    private readonly IActorRef _auth;

    public UserAdminPipelineSpec(ITestOutputHelper output)
        : base(output)
    {
        _users = CreateTestProbe("users");
        _directory = CreateTestProbe("directory");
        _tokens = CreateTestProbe("tokens");
        var services = new AuthServices(
            SpecSupport.Settings(), _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), ActorRefs.Nobody, _tokens.Ref,
            _users.Ref, _directory.Ref, ActorRefs.Nobody, ActorRefs.Nobody, NoLogger.Instance);
        _auth = Sys.ActorOf(AuthActor.Props(services, new TokenGrants([new ClientCredentialsGrant()]), new ServerFailures()));
    }

    private static AdminUnlockUser Unlock(SessionUser? console) =>
        new(PresentedAuthorization.None, "alice", SpecSupport.Context) { ConsoleUser = console };

    /// <summary>Plays the console user's entity: the session check, answered with <paramref name="status"/>.</summary>
    private async Task SessionCheckAsync(SessionStatus status)
    {
        var check = await _users.ExpectMsgAsync<CheckSession>();
        Assert.Equal(new CheckSession(Console.Username, Console.UserId, Console.SessionEpoch), check);
        _users.Reply(status);
    }

    [Fact]
    public async Task UserAdmin_must_admit_the_console_session_of_a_user_with_the_admin_role_and_unlock()
    {
        _auth.Tell(Unlock(Console), TestActor);

        await SessionCheckAsync(new SessionStatus(true, ["admin"]));
        await _directory.ExpectMsgAsync<FindUserById>();
        _directory.Reply(new CurrentUser(null));
        await _users.ExpectMsgAsync<GetUser>();
        _users.Reply(new CurrentUser(Alice));
        var unlock = await _users.ExpectMsgAsync<UnlockUser>();
        Assert.Equal(("alice", "user-1"), (unlock.Username, unlock.UserId));
        _users.Reply(new UserUnlocked(Alice, 3));

        var reply = await ExpectMsgAsync<UserAccountUnlocked>();
        Assert.Equal(3, reply.FailuresCleared);
        await _tokens.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // no token was looked at
    }

    [Theory]
    [InlineData(true, new[] { "reader" })]
    [InlineData(false, null)]
    public async Task UserAdmin_must_refuse_a_console_session_without_the_admin_role_or_no_longer_current(bool active, string[]? roles)
    {
        _auth.Tell(Unlock(Console), TestActor);

        await SessionCheckAsync(new SessionStatus(active, roles));

        Assert.Equal(FailureKind.Forbidden, (await ExpectMsgAsync<AdminFailure>()).Kind);
        await _users.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await _directory.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public async Task UserAdmin_must_still_require_a_bearer_token_without_a_console_session()
    {
        _auth.Tell(Unlock(null), TestActor);

        Assert.Equal(FailureKind.Unauthenticated, (await ExpectMsgAsync<OAuthError>()).Kind);
        await _users.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }
}
