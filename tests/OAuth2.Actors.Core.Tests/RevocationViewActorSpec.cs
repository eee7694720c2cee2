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

    private static CurrentRevocations Page(GetRevocations request, IReadOnlyDictionary<string, long> entries, string? nextAfter = null, long asOf = 10) =>
        new(request.Bucket, request.Since, request.After, entries, nextAfter, asOf);

    /// <summary>The first request of every bucket (each is asked again every second while it waits, so one may come twice).</summary>
    private async Task<IReadOnlyDictionary<int, (GetRevocations Request, IActorRef ReplyTo)>> FirstRequestsAsync()
    {
        var requests = new Dictionary<int, (GetRevocations, IActorRef)>();
        while (requests.Count < RevocationBuckets.Count)
        {
            var request = await _buckets.ExpectMsgAsync<GetRevocations>();
            Assert.Equal(0, request.Since);
            Assert.Null(request.After);
            requests.TryAdd(request.Bucket, (request, _buckets.LastSender));
        }

        return requests;
    }

    [Fact]
    public async Task RevocationViewActor_must_mark_the_view_loaded_only_once_every_bucket_has_answered_every_page()
    {
        StartView();
        var requests = await FirstRequestsAsync();

        foreach (var (bucket, (request, replyTo)) in requests.Where(r => r.Key != 5))
        {
            replyTo.Tell(Page(request, new Dictionary<string, long> { [$"jti-{bucket}"] = Exp }));
        }

        // Bucket 5 has two pages.
        var (first, firstReplyTo) = requests[5];
        firstReplyTo.Tell(Page(first, new Dictionary<string, long> { ["jti-5a"] = Exp }, nextAfter: "jti-5a"));
        var second = await _buckets.FishForMessageAsync<GetRevocations>(r => r.Bucket == 5 && r.After == "jti-5a");
        Assert.False(_view.IsLoaded);
        _buckets.LastSender.Tell(Page(second, new Dictionary<string, long> { ["jti-5b"] = Exp }));

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
        foreach (var (_, (request, replyTo)) in requests.Where(r => r.Key != 7))
        {
            replyTo.Tell(Page(request, new Dictionary<string, long>()));
        }

        var again = await _buckets.FishForMessageAsync<GetRevocations>(r => r.Bucket == 7, TimeSpan.FromSeconds(5));
        Assert.Equal(0, again.Since);
        Assert.False(_view.IsLoaded);
    }

    [Fact]
    public async Task RevocationViewActor_must_pull_what_each_bucket_recorded_since_it_last_read_it()
    {
        StartView();
        foreach (var (_, (request, replyTo)) in await FirstRequestsAsync())
        {
            replyTo.Tell(Page(request, new Dictionary<string, long>(), asOf: 10));
        }

        // A revocation this node missed (it was not pushed here) comes with the next pull, which asks only since 10.
        var pull = await _buckets.FishForMessageAsync<GetRevocations>(r => r.Bucket == 3 && r.Since == 10, RevocationViewActor.PullInterval * 3);
        _buckets.LastSender.Tell(Page(pull, new Dictionary<string, long> { ["missed"] = Exp }, asOf: 11));

        await AwaitConditionAsync(() => Task.FromResult(_view.IsRevoked("missed")), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task RevocationViewActor_must_confirm_a_pushed_revocation_once_the_view_has_it()
    {
        var view = StartView();

        view.Tell(new PushRevocation("pushed", Exp), TestActor);

        Assert.Equal(new RevocationPushed("pushed"), await ExpectMsgAsync<RevocationPushed>());
        Assert.True(_view.IsRevoked("pushed"));
    }
}
