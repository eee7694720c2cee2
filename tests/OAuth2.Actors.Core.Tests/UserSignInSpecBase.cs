using OAuth2.Actors.Hosting;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// A user entity under the shard's and the directory's probes, with a short sign-in back-off (after 2 wrong passwords:
/// 10 s, then 20 s, at most 40 s), for the specs of signing in and of an admin's unlock.
/// </summary>
public abstract class UserSignInSpecBase : PersistenceSpec
{
    protected const string Password = "correct horse battery";

    protected readonly ServerSettings _settings = SpecSupport.Settings() with
    {
        SignInBackoffAfterFailures = 2,
        SignInBackoffInitial = TimeSpan.FromSeconds(10),
        SignInBackoffMax = TimeSpan.FromSeconds(40),
    };

    protected readonly TestProbe _shard;
    protected readonly TestProbe _directory;

    protected UserSignInSpecBase(ITestOutputHelper output)
        : base(output)
    {
        _shard = CreateTestProbe("shard");
        _directory = CreateTestProbe("directory");
    }

    protected Task<IActorRef> StartUserAsync(string username = "alice", PasswordHashing? hashing = null, UnknownIdCache? unknownIds = null) =>
        _shard.ChildActorOfAsync(UserActor.Props(username, _settings, _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"),
            _directory.Ref, hashing ?? new PasswordHashing(1000, 1, _time), unknownIds));

    protected async Task<object> SignInAsync(IActorRef user, string password, DateTimeOffset? deadline = null)
    {
        user.Tell(new AuthenticateUser("alice", password, "password_form", null, SpecSupport.Context, deadline), TestActor);
        return await ExpectMsgAsync<object>();
    }
}
