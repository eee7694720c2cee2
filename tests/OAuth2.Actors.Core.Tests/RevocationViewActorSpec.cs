using Akka.Cluster;
using Akka.DistributedData;

namespace OAuth2.Actors.Core.Tests;

public class RevocationViewActorSpec : ClusterSpec
{
    private readonly FakeTimeProvider _time = new(SpecSupport.Start);
    private readonly RevocationView _view = new();
    private readonly TestProbe _buckets;

    public RevocationViewActorSpec(ITestOutputHelper output)
        : base(output)
    {
        _buckets = CreateTestProbe("buckets");
    }

    private long Exp => _time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds();

    private IActorRef StartView() => Sys.ActorOf(RevocationViewActor.Props(_view, _buckets.Ref, _time));

    /// <summary>The first request of every bucket (each is asked again every second while it waits, so one may come twice).</summary>
    private async Task<IReadOnlyDictionary<int, IActorRef>> FirstRequestsAsync()
    {
        var requests = new Dictionary<int, IActorRef>();
        while (requests.Count < RevocationBuckets.Count)
        {
            var request = await _buckets.ExpectMsgAsync<GetRevocations>();
            Assert.Equal(0, request.From);
            requests.TryAdd(request.Bucket, _buckets.LastSender);
        }

        return requests;
    }

    [Fact]
    public async Task RevocationViewActor_must_mark_the_view_loaded_only_once_every_bucket_has_answered_every_page()
    {
        StartView();
        var requests = await FirstRequestsAsync();

        foreach (var (bucket, replyTo) in requests.Where(r => r.Key != 5))
        {
            replyTo.Tell(new CurrentRevocations(bucket, 0, new Dictionary<string, long> { [$"jti-{bucket}"] = Exp }));
        }

        // Bucket 5 has two pages.
        requests[5].Tell(new CurrentRevocations(5, 0, new Dictionary<string, long> { ["jti-5a"] = Exp }, NextFrom: 1));
        var second = await _buckets.FishForMessageAsync<GetRevocations>(r => r.Bucket == 5 && r.From == 1);
        Assert.False(_view.IsLoaded);
        _buckets.LastSender.Tell(new CurrentRevocations(5, second.From, new Dictionary<string, long> { ["jti-5b"] = Exp }));

        await AwaitConditionAsync(() => Task.FromResult(_view.IsLoaded), TimeSpan.FromSeconds(3));
        Assert.True(_view.IsRevoked("jti-0"));
        Assert.True(_view.IsRevoked("jti-5a"));
        Assert.True(_view.IsRevoked("jti-5b"));
        Assert.False(_view.IsRevoked("jti-5"));
    }

    [Fact]
    public async Task RevocationViewActor_must_ask_again_only_for_the_buckets_that_have_not_answered()
    {
        StartView();
        var requests = await FirstRequestsAsync();
        foreach (var (bucket, replyTo) in requests.Where(r => r.Key != 7))
        {
            replyTo.Tell(new CurrentRevocations(bucket, 0, new Dictionary<string, long>()));
        }

        var again = await _buckets.FishForMessageAsync<GetRevocations>(r => r.Bucket == 7, TimeSpan.FromSeconds(5));
        Assert.Equal(0, again.From);
        Assert.False(_view.IsLoaded);
    }

    [Fact]
    public async Task RevocationViewActor_must_confirm_a_pushed_revocation_once_the_view_has_it()
    {
        var view = StartView();

        view.Tell(new PushRevocation("pushed", Exp), TestActor);

        Assert.Equal(new RevocationPushed("pushed"), await ExpectMsgAsync<RevocationPushed>());
        Assert.True(_view.IsRevoked("pushed"));
    }

    [Fact]
    public async Task RevocationViewActor_must_take_revocations_replicated_from_other_nodes()
    {
        StartView();
        var key = RevocationView.ReplicatedKeyOf("replicated");
        var cluster = Cluster.Get(Sys);

        DistributedData.Get(Sys).Replicator.Tell(
            Dsl.Update(key, LWWDictionary<string, long>.Empty, WriteLocal.Instance, d => d.SetItem(cluster, "replicated", Exp)), TestActor);
        await ExpectMsgAsync<UpdateSuccess>();

        await AwaitConditionAsync(() => Task.FromResult(_view.IsRevoked("replicated")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void RevocationView_must_spread_entries_over_its_replicated_keys()
    {
        var used = Enumerable.Range(0, 10_000).Select(i => RevocationView.ReplicatedKeyOf($"jti-{i}")).Distinct().Count();

        Assert.Equal(RevocationView.ReplicatedKeyCount, used);
    }
}
