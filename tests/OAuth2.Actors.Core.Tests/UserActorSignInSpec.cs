using OAuth2.Actors.Hosting;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

public class UserActorSignInSpec : UserSignInSpecBase
{
    public UserActorSignInSpec(ITestOutputHelper output)
        : base(output)
    {
    }

    private async Task<IActorRef> CreatedUserAsync(string username = "alice", PasswordHashing? hashing = null)
    {
        var user = await StartUserAsync(username, hashing);
        user.Tell(new CreateUser(username, Password, null, SpecSupport.Context), TestActor);
        await ExpectMsgAsync<UserCreated>();
        return user;
    }

    private static string Reason(object reply) => Assert.IsType<UserAuthenticationRejected>(reply).Reason;

    [Fact]
    public async Task UserActor_must_make_the_next_sign_in_wait_after_too_many_failures_then_let_the_right_password_in()
    {
        var user = await CreatedUserAsync();
        Assert.Equal(SignInFailure.BadPassword, Reason(await SignInAsync(user, "wrong one")));
        Assert.Equal(SignInFailure.BadPassword, Reason(await SignInAsync(user, "wrong two")));

        // During the wait even the right password is refused, with the same answer as a wrong one.
        Assert.Equal(SignInFailure.BackingOff, Reason(await SignInAsync(user, Password)));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password));
    }

    [Fact]
    public async Task UserActor_must_not_let_attempts_during_the_wait_extend_it()
    {
        var user = await CreatedUserAsync();
        await SignInAsync(user, "wrong one");
        await SignInAsync(user, "wrong two");

        // An attacker keeps guessing while the user waits: refused, and not counted.
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(SignInFailure.BackingOff, Reason(await SignInAsync(user, $"guess {i}")));
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password));
    }

    [Fact]
    public async Task UserActor_must_double_the_wait_with_each_further_failure_up_to_its_maximum()
    {
        var user = await CreatedUserAsync();
        await SignInAsync(user, "wrong one");
        await SignInAsync(user, "wrong two");
        foreach (var wait in new[] { 10, 20, 40, 40 })
        {
            _time.Advance(TimeSpan.FromSeconds(wait - 1));
            Assert.Equal(SignInFailure.BackingOff, Reason(await SignInAsync(user, Password)));
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(SignInFailure.BadPassword, Reason(await SignInAsync(user, "wrong again")));
        }
    }

    [Fact]
    public async Task UserActor_must_drop_a_sign_in_whose_request_already_timed_out()
    {
        var user = await CreatedUserAsync();

        user.Tell(new AuthenticateUser("alice", Password, "password_form", null, SpecSupport.Context, _time.GetUtcNow() - TimeSpan.FromSeconds(1)), TestActor);

        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password, _time.GetUtcNow() + TimeSpan.FromSeconds(5)));

        // The dropped sign-in published nothing: the first sign-in event is the one that ran.
        var published = await _events.FishForMessageAsync<EventEnvelope>(e => e.Event.EventType is EventType.UserAuthenticated or EventType.UserAuthenticationFailed);
        Assert.Equal(EventType.UserAuthenticated, published.Event.EventType);
    }

    [Fact]
    public async Task UserActor_must_drop_a_creation_whose_request_already_timed_out()
    {
        var user = await StartUserAsync("bob");

        user.Tell(new CreateUser("bob", Password, null, SpecSupport.Context, _time.GetUtcNow() - TimeSpan.FromSeconds(1)), TestActor);

        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        user.Tell(new GetUser("bob"), TestActor);
        Assert.Null((await ExpectMsgAsync<CurrentUser>()).User);
    }

    [Fact]
    public async Task PasswordHashing_must_not_run_work_whose_deadline_has_passed()
    {
        var hashing = new PasswordHashing(1000, 1, _time);
        var record = new UserRecord("u", "alice", null, string.Empty, _time.GetUtcNow());

        var hash = await hashing.Hash(record, Password, _time.GetUtcNow());

        Assert.Null(hash);
        Assert.Equal(1, hashing.Dropped);
    }

    [Fact]
    public async Task UserActor_creation_must_clear_every_nodes_memory_of_the_username_before_it_answers()
    {
        var unknownIds = new UnknownIdCache(100, TimeSpan.FromMinutes(1), _time);
        Sys.ActorOf(UnknownIdCacheActor.Props(unknownIds), UnknownIdCacheActor.Name);
        unknownIds.Remember(UnknownIdKind.User, "carol", unknownIds.Generation);
        var user = await StartUserAsync("carol", unknownIds: unknownIds);

        user.Tell(new CreateUser("Carol", Password, null, SpecSupport.Context), TestActor);
        await ExpectMsgAsync<UserCreated>();

        Assert.False(unknownIds.IsUnknown(UnknownIdKind.User, "carol"));
    }

    [Fact]
    public async Task UserActor_must_accept_a_hash_of_fewer_iterations_and_rehash_it_at_the_next_sign_in()
    {
        // Created by an older setting (the Identity default, 100,000 iterations, as this server used before).
        var user = await CreatedUserAsync(hashing: new PasswordHashing(1000, 1, _time));
        await SpecSupport.StopAndWaitAsync(this, user);
        user = await StartUserAsync(hashing: new PasswordHashing(2000, 1, _time));

        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password));

        var rehashed = await Eventually(
            async () => (await SpecSupport.JournalEventsAsync(this, PersistenceIds.For("user-", "alice"))).OfType<UserPasswordRehashed>().ToList(),
            events => events.Count == 1);
        Assert.Equal(2000, Iterations(rehashed[0].PasswordHash));
        await SpecSupport.StopAndWaitAsync(this, user);
        user = await StartUserAsync(hashing: new PasswordHashing(2000, 1, _time));
        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password));
    }

    /// <summary>The iteration count of an Identity V3 hash: format byte, PRF (4 bytes), iterations (4 bytes, big-endian).</summary>
    private static int Iterations(string hash) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(Convert.FromBase64String(hash).AsSpan(5, 4));
}
