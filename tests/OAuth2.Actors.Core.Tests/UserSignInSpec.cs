using Akka.Event;
using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>Sign-in through the node's memory of unknown usernames, with a probe standing in for the users' shard region.</summary>
public class UserSignInSpec : PersistenceSpec
{
    private readonly TestProbe _users;
    private readonly UnknownIdCache _unknownIds;
    private readonly PasswordHashing _hashing;
    private readonly AuthServices _services;

    public UserSignInSpec(ITestOutputHelper output)
        : base(output)
    {
        _users = CreateTestProbe("users");
        _unknownIds = new UnknownIdCache(100, TimeSpan.FromMinutes(1), _time);
        _hashing = new PasswordHashing(1000, 1, _time);
        _services = new AuthServices(
            SpecSupport.Settings(), _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), ActorRefs.Nobody, ActorRefs.Nobody,
            _users.Ref, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, NoLogger.Instance)
        {
            UnknownIds = _unknownIds,
            PasswordHashing = _hashing,
        };
    }

    private Task<object> SignIn(string username) =>
        UserSignIn.Authenticate(_services, username, "a password", "password_form", null, SpecSupport.Context);

    [Fact]
    public async Task SignIn_must_not_ask_the_users_entity_again_for_a_username_it_said_is_unknown()
    {
        var first = SignIn("Mallory");
        var asked = await _users.ExpectMsgAsync<AuthenticateUser>();
        Assert.NotNull(asked.Deadline);
        _users.Reply(new UserAuthenticationRejected(SignInFailure.UnknownUser));
        Assert.Equal(SignInFailure.UnknownUser, Assert.IsType<UserAuthenticationRejected>(await first).Reason);

        var second = await SignIn("mallory ");

        Assert.Equal(SignInFailure.UnknownUser, Assert.IsType<UserAuthenticationRejected>(second).Reason);
        await _users.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // Answered from memory, it still publishes what the entity would have.
        var failed = await _events.FishForMessageAsync<EventEnvelope>(e => e.Event.EventType == EventType.UserAuthenticationFailed);
        Assert.Equal(SignInFailure.UnknownUser, failed.Event.Metadata["reason"]);
    }

    [Fact]
    public async Task SignIn_must_ask_the_users_entity_at_once_for_a_username_created_since()
    {
        var first = SignIn("carol");
        await _users.ExpectMsgAsync<AuthenticateUser>();
        _users.Reply(new UserAuthenticationRejected(SignInFailure.UnknownUser));
        await first;

        // The creating entity, wherever it runs, tells every node's cache actor before it answers.
        var cacheActor = Sys.ActorOf(UnknownIdCacheActor.Props(_unknownIds));
        cacheActor.Tell(new ForgetUnknownId(UnknownIdKind.User, "carol"), TestActor);
        await ExpectMsgAsync<UnknownIdForgotten>();

        var afterCreation = SignIn("carol");
        await _users.ExpectMsgAsync<AuthenticateUser>();
        _users.Reply(new UserAuthenticated(new UserView("u-1", "carol", null, SpecSupport.Start)));
        Assert.IsType<UserAuthenticated>(await afterCreation);
    }

    [Fact]
    public async Task SignIn_must_remember_nothing_but_unknown_usernames()
    {
        var wrong = SignIn("dave");
        await _users.ExpectMsgAsync<AuthenticateUser>();
        _users.Reply(new UserAuthenticationRejected(SignInFailure.BadPassword));
        await wrong;

        var again = SignIn("dave");

        await _users.ExpectMsgAsync<AuthenticateUser>();
        _users.Reply(new UserAuthenticationRejected(SignInFailure.BadPassword));
        await again;
    }
}
