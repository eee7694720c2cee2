using OAuth2.Actors.Resources;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The resource-server registry: unique URIs, changes journaled, and every node's directory told before the change is answered.</summary>
public class ResourceRegistryActorSpec : ClusterSpec
{
    private readonly FakeTimeProvider _time = new(SpecSupport.Start);
    private readonly ResourceDirectory _directory = new();

    public ResourceRegistryActorSpec(ITestOutputHelper output)
        : base(output)
    {
    }

    private static ResourceServerSpec Api(string resource = "https://api.example.test", string clientId = "api-introspector") =>
        new(resource, ["read", "write"], clientId);

    private IActorRef StartRegistry() => Sys.ActorOf(ResourceRegistryActor.Props(_time, TimeSpan.FromSeconds(1)));

    private void StartDirectory(IActorRef registry) =>
        Sys.ActorOf(ResourceDirectoryActor.Props(_directory, registry, TimeSpan.FromSeconds(3)), ResourceDirectoryActor.Name);

    private async Task<ResourceServer> CreateAsync(IActorRef registry, ResourceServerSpec spec)
    {
        registry.Tell(new CreateResourceServer(spec, SpecSupport.Context), TestActor);
        return (await ExpectMsgAsync<ResourceServerSaved>()).Server;
    }

    [Fact]
    public async Task ResourceRegistryActor_must_tell_this_nodes_directory_before_it_answers_a_change()
    {
        var registry = StartRegistry();
        StartDirectory(registry);
        // Loaded first, so the change is told as a newer version than the directory holds.
        await AwaitConditionAsync(() => Task.FromResult(_directory.Snapshot is not null), TimeSpan.FromSeconds(5));

        var created = await CreateAsync(registry, Api());

        // No waiting: the push was confirmed before the answer.
        Assert.Equivalent(created, _directory.Snapshot!.Find("https://api.example.test"), strict: true);
        Assert.True(_directory.Snapshot.Introspects("api-introspector", ["https://api.example.test"]));
        Assert.False(_directory.Snapshot.Introspects("someone-else", ["https://api.example.test"]));

        registry.Tell(new UpdateResourceServer(created.Id, Api(clientId: "new-introspector"), SpecSupport.Context), TestActor);
        await ExpectMsgAsync<ResourceServerSaved>();
        Assert.True(_directory.Snapshot.Introspects("new-introspector", ["https://api.example.test"]));
        Assert.False(_directory.Snapshot.Introspects("api-introspector", ["https://api.example.test"]));

        registry.Tell(new DeleteResourceServer(created.Id, SpecSupport.Context), TestActor);
        Assert.Equal(new ResourceServerDeleted(created.Id), await ExpectMsgAsync<ResourceServerDeleted>());
        Assert.Null(_directory.Snapshot.Find("https://api.example.test"));
    }

    [Fact]
    public async Task ResourceRegistryActor_must_refuse_a_second_server_for_the_same_resource()
    {
        var registry = StartRegistry();
        StartDirectory(registry);
        var first = await CreateAsync(registry, Api());
        var other = await CreateAsync(registry, Api("urn:example:ledger"));

        registry.Tell(new CreateResourceServer(Api(clientId: "x"), SpecSupport.Context), TestActor);
        Assert.Equal(FailureKind.Conflict, (await ExpectMsgAsync<AdminFailure>()).Kind);
        registry.Tell(new UpdateResourceServer(other.Id, Api(), SpecSupport.Context), TestActor);
        Assert.Equal(FailureKind.Conflict, (await ExpectMsgAsync<AdminFailure>()).Kind);

        // Replacing a server with its own URI is not a conflict.
        registry.Tell(new UpdateResourceServer(first.Id, Api(clientId: "y"), SpecSupport.Context), TestActor);
        Assert.Equal("y", (await ExpectMsgAsync<ResourceServerSaved>()).Server.ClientId);
    }

    [Fact]
    public async Task ResourceRegistryActor_must_answer_not_found_for_an_unknown_id()
    {
        var registry = StartRegistry();
        StartDirectory(registry);

        registry.Tell(new UpdateResourceServer("nope", Api(), SpecSupport.Context), TestActor);
        Assert.Equal(FailureKind.NotFound, (await ExpectMsgAsync<AdminFailure>()).Kind);
        registry.Tell(new DeleteResourceServer("nope", SpecSupport.Context), TestActor);
        Assert.Equal(FailureKind.NotFound, (await ExpectMsgAsync<AdminFailure>()).Kind);
    }

    [Fact]
    public async Task ResourceRegistryActor_must_keep_its_servers_across_a_restart()
    {
        var registry = StartRegistry();
        StartDirectory(registry);
        var created = await CreateAsync(registry, Api());
        await CreateAsync(registry, Api("urn:example:ledger"));
        registry.Tell(new DeleteResourceServer(created.Id, SpecSupport.Context), TestActor);
        await ExpectMsgAsync<ResourceServerDeleted>();
        await WatchAsync(registry, () => registry.Tell(PoisonPill.Instance));

        var restarted = StartRegistry();
        restarted.Tell(GetResourceServers.Instance, TestActor);
        var current = await ExpectMsgAsync<CurrentResourceServers>();

        Assert.Equal(["urn:example:ledger"], current.Servers.Select(s => s.Resource));
        Assert.Equal(3, current.Version);
    }

    [Fact]
    public async Task ResourceDirectoryActor_must_fill_the_directory_from_the_registry_at_start()
    {
        var registry = StartRegistry();
        var created = await CreateAsync(registry, Api());

        StartDirectory(registry);

        await AwaitConditionAsync(() => Task.FromResult(_directory.Snapshot is not null), TimeSpan.FromSeconds(5));
        Assert.Equivalent(created, _directory.Snapshot!.Find(created.Resource), strict: true);
    }

    [Fact]
    public void ResourceDirectory_must_never_go_back_to_an_older_version()
    {
        var server = new ResourceServer("rs-1", "https://api.example.test", ["read"], "c", SpecSupport.Start, SpecSupport.Start);

        _directory.Apply(new CurrentResourceServers([server], 5));
        _directory.Apply(new CurrentResourceServers([], 4));

        Assert.Equal(5, _directory.Snapshot!.Version);
        Assert.NotNull(_directory.Snapshot.Find("https://api.example.test"));
    }

    private async Task WatchAsync(IActorRef actor, Action stop)
    {
        Watch(actor);
        stop();
        await ExpectTerminatedAsync(actor);
    }
}
