using OAuth2.Actors.Hosting;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>An admin's unlock: the sign-in back-off of one user reset, in the journal, for that user only.</summary>
public class UserActorUnlockSpec : UserSignInSpecBase
{
    public UserActorUnlockSpec(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>A new user (the directory's listing answered) and their user_id.</summary>
    private async Task<(IActorRef User, string UserId)> CreatedUserAsync(string username = "alice")
    {
        var user = await StartUserAsync(username);
        user.Tell(new CreateUser(username, Password, null, SpecSupport.Context), TestActor);
        await _directory.ExpectMsgAsync<ListUser>();
        _directory.Reply(UserListingUpdated.Instance);
        var created = await ExpectMsgAsync<UserCreated>();
        return (user, created.User.UserId);
    }

    /// <summary>Two wrong passwords: the next sign-in must wait 10 s.</summary>
    private async Task BackOffAsync(IActorRef user)
    {
        await SignInAsync(user, "wrong one");
        await SignInAsync(user, "wrong two");
        Assert.Equal(SignInFailure.BackingOff, Assert.IsType<UserAuthenticationRejected>(await SignInAsync(user, Password)).Reason);
    }

    private async Task<CurrentSignInBackoff> BackoffOfAsync(IActorRef user)
    {
        user.Tell(new GetSignInBackoff("alice"), TestActor);
        return await ExpectMsgAsync<CurrentSignInBackoff>();
    }

    [Fact]
    public async Task UserActor_unlock_must_let_a_sign_in_that_would_wait_in_at_once()
    {
        var (user, userId) = await CreatedUserAsync();
        await BackOffAsync(user);

        user.Tell(new UnlockUser("alice", userId, SpecSupport.Context), TestActor);
        var unlocked = await ExpectMsgAsync<UserUnlocked>();

        Assert.Equal(2, unlocked.FailuresCleared);
        Assert.Equal(userId, unlocked.User.UserId);
        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password));
    }

    [Fact]
    public async Task UserActor_must_report_its_back_off_and_none_after_an_unlock()
    {
        var (user, userId) = await CreatedUserAsync();
        Assert.Equal(new CurrentSignInBackoff(userId, 0, null), await BackoffOfAsync(user));

        await BackOffAsync(user);
        var backingOff = await BackoffOfAsync(user);
        Assert.Equal(2, backingOff.Failures);
        Assert.Equal(SpecSupport.Start + TimeSpan.FromSeconds(10), backingOff.WaitsUntil);

        user.Tell(new UnlockUser("alice", userId, SpecSupport.Context), TestActor);
        await ExpectMsgAsync<UserUnlocked>();

        Assert.Equal(new CurrentSignInBackoff(userId, 0, null), await BackoffOfAsync(user));
    }

    [Fact]
    public async Task UserActor_unlock_must_survive_a_restart()
    {
        var (user, userId) = await CreatedUserAsync();
        await BackOffAsync(user);
        user.Tell(new UnlockUser("alice", userId, SpecSupport.Context), TestActor);
        await ExpectMsgAsync<UserUnlocked>();

        await SpecSupport.StopAndWaitAsync(this, user);
        user = await StartUserAsync();

        // The clock has not moved: without the reset in the journal, recovery would count two failures and make this wait.
        Assert.Equal(0, (await BackoffOfAsync(user)).Failures);
        Assert.IsType<UserAuthenticated>(await SignInAsync(user, Password));
        var journal = await SpecSupport.JournalEventsAsync(this, PersistenceIds.For("user-", "alice"));
        Assert.Single(journal.OfType<UserSignInBackoffReset>());
    }

    [Fact]
    public async Task UserActor_unlock_must_write_nothing_when_there_is_nothing_to_reset()
    {
        var (user, userId) = await CreatedUserAsync();

        user.Tell(new UnlockUser("alice", userId, SpecSupport.Context), TestActor);

        Assert.Equal(0, (await ExpectMsgAsync<UserUnlocked>()).FailuresCleared);
        var journal = await SpecSupport.JournalEventsAsync(this, PersistenceIds.For("user-", "alice"));
        Assert.Empty(journal.OfType<UserSignInBackoffReset>());
    }

    [Fact]
    public async Task UserActor_must_refuse_the_unlock_of_an_unknown_user()
    {
        var nobody = await StartUserAsync("nobody");

        nobody.Tell(new UnlockUser("nobody", "user-1", SpecSupport.Context), TestActor);

        Assert.Equal(UserRejection.UnknownUser, (await ExpectMsgAsync<UserRejected>()).Reason);
        Assert.Empty(await SpecSupport.JournalEventsAsync(this, PersistenceIds.For("user-", "nobody")));
    }

    [Fact]
    public async Task UserActor_must_refuse_the_unlock_of_another_account_under_the_same_name()
    {
        var (user, _) = await CreatedUserAsync();
        await BackOffAsync(user);

        // The user_id of an account deleted since and created again under the same username.
        user.Tell(new UnlockUser("alice", "an-earlier-user-id", SpecSupport.Context), TestActor);

        Assert.Equal(UserRejection.UnknownUser, (await ExpectMsgAsync<UserRejected>()).Reason);
        Assert.Equal(SignInFailure.BackingOff, Assert.IsType<UserAuthenticationRejected>(await SignInAsync(user, Password)).Reason);
    }
}
