using Akka.Serialization;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The user entity's roles and session epoch: kept in the journal, never moved back, and per account.</summary>
public class UserActorSpec : PersistenceSpec
{
    private readonly ServerSettings _settings = SpecSupport.Settings();
    private readonly TestProbe _shard;
    private readonly IActorRef _directory;

    public UserActorSpec(ITestOutputHelper output)
        : base(output)
    {
        _shard = CreateTestProbe("shard");
        _directory = Sys.ActorOf(UserDirectoryActor.Props(), "directory");
    }

    private Task<IActorRef> StartUserAsync(string username) =>
        _shard.ChildActorOfAsync(UserActor.Props(username, _settings, _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), _directory));

    private async Task<UserView> CreateAsync(IActorRef user, string username, params string[] roles)
    {
        user.Tell(new CreateUser(username, "a long password", null, SpecSupport.Context) { Roles = roles }, TestActor);
        return (await ExpectMsgAsync<UserCreated>()).User;
    }

    private async Task<T> AskAsync<T>(IActorRef user, object message)
    {
        user.Tell(message, TestActor);
        return await ExpectMsgAsync<T>();
    }

    [Fact]
    public async Task UserActor_must_keep_its_roles_across_a_restart_and_list_them_in_the_directory()
    {
        var user = await StartUserAsync("alice");
        var created = await CreateAsync(user, "alice", "admin");
        Assert.Equal(["admin"], created.Roles);

        var set = await AskAsync<UserRolesSet>(user, new SetUserRoles("alice", created.UserId, ["auditor", "events:read"], SpecSupport.Context));
        Assert.Equal(["auditor", "events:read"], set.User.Roles);
        await SpecSupport.StopAndWaitAsync(this, user);
        var restarted = await StartUserAsync("alice");

        var current = await AskAsync<CurrentUser>(restarted, new GetUser("alice"));
        Assert.Equal(["auditor", "events:read"], current.User!.Roles);
        var listed = await AskAsync<CurrentUser>(_directory, new FindUserById(created.UserId));
        Assert.Equal(["auditor", "events:read"], listed.User!.Roles);
    }

    [Fact]
    public async Task UserActor_must_refuse_a_role_change_meant_for_an_earlier_account_of_the_same_name()
    {
        var user = await StartUserAsync("bob");
        var old = await CreateAsync(user, "bob");
        await AskAsync<UserDeleted>(user, new DeleteUser("bob", SpecSupport.Context));
        var again = await CreateAsync(user, "bob");

        var refused = await AskAsync<UserRejected>(user, new SetUserRoles("bob", old.UserId, ["admin"], SpecSupport.Context));

        Assert.Equal(UserRejection.UnknownUser, refused.Reason);
        Assert.Empty((await AskAsync<CurrentUser>(user, new GetUser("bob"))).User!.Roles);
        Assert.Null((await AskAsync<CurrentUser>(_directory, new FindUserById(old.UserId))).User);
        Assert.Equal("bob", (await AskAsync<CurrentUser>(_directory, new FindUserById(again.UserId))).User!.Username);
    }

    [Fact]
    public async Task UserActor_must_end_every_earlier_session_and_never_move_the_epoch_back()
    {
        var user = await StartUserAsync("carol");
        var carol = await CreateAsync(user, "carol");
        var first = (await AskAsync<SessionStarted>(user, new StartSession("carol", carol.UserId))).Epoch!.Value;
        Assert.True((await AskAsync<SessionStatus>(user, new CheckSession("carol", carol.UserId, first))).Active);

        Assert.True((await AskAsync<SessionsEnded>(user, new EndSessions("carol", carol.UserId, SpecSupport.Context))).Ended);
        Assert.False((await AskAsync<SessionStatus>(user, new CheckSession("carol", carol.UserId, first))).Active);
        var second = (await AskAsync<SessionStarted>(user, new StartSession("carol", carol.UserId))).Epoch!.Value;
        Assert.True(second > first);

        // A restart replays the epoch; a deleted and re-created account neither resets it nor accepts the old sessions.
        await SpecSupport.StopAndWaitAsync(this, user);
        user = await StartUserAsync("carol");
        Assert.True((await AskAsync<SessionStatus>(user, new CheckSession("carol", carol.UserId, second))).Active);
        await AskAsync<UserDeleted>(user, new DeleteUser("carol", SpecSupport.Context));
        Assert.False((await AskAsync<SessionStatus>(user, new CheckSession("carol", carol.UserId, second))).Active);
        var recreated = await CreateAsync(user, "carol");
        Assert.False((await AskAsync<SessionStatus>(user, new CheckSession("carol", carol.UserId, second))).Active);
        Assert.Equal(second, (await AskAsync<SessionStarted>(user, new StartSession("carol", recreated.UserId))).Epoch);
        Assert.Null((await AskAsync<SessionStarted>(user, new StartSession("carol", carol.UserId))).Epoch);
    }

    [Fact]
    public void Journal_events_written_before_roles_existed_must_read_as_no_roles()
    {
        // Journal events keep Akka's JSON serializer: an event of the previous version has no Roles member at all.
        var registered = new UserRegistered(new UserRecord("user-1", "dave", null, "hash", SpecSupport.Start) { Roles = ["admin"] });
        var listed = new UserListed(new UserView("user-1", "dave", null, SpecSupport.Start) { Roles = ["admin"] });

        Assert.Empty(WithoutRoles(registered).User.Roles);
        Assert.Empty(WithoutRoles(listed).User.Roles);
    }

    private T WithoutRoles<T>(T message)
        where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerForType(typeof(T));
        Assert.IsType<NewtonSoftJsonSerializer>(serializer);
        var json = System.Text.Encoding.UTF8.GetString(serializer.ToBinary(message));
        var document = Newtonsoft.Json.Linq.JObject.Parse(json);
        foreach (var roles in document.Descendants().OfType<Newtonsoft.Json.Linq.JProperty>().Where(p => p.Name == "Roles").ToList())
        {
            roles.Remove();
        }

        var withoutRoles = document.ToString(Newtonsoft.Json.Formatting.None);
        Assert.DoesNotContain("Roles", withoutRoles, StringComparison.Ordinal);
        return (T)serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(withoutRoles), typeof(T));
    }
}
