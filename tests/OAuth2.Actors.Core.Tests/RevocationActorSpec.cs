
namespace OAuth2.Actors.Core.Tests;

public class RevocationActorSpec : ClusterSpec
{
    private const int Bucket = 3;

    private readonly FakeTimeProvider _time = new(SpecSupport.Start);
    private readonly RevocationView _view = new();

    public RevocationActorSpec(ITestOutputHelper output)
        : base(output)
    {
        // This node's view, which a bucket pushes each new revocation to before answering.
        Sys.ActorOf(RevocationViewActor.Props(_view, CreateTestProbe("buckets").Ref, _time), RevocationViewActor.Name);
    }

    private long In(TimeSpan span) => (_time.GetUtcNow() + span).ToUnixTimeSeconds();

    private IActorRef StartBucket(int bucket = Bucket) => Sys.ActorOf(RevocationActor.Props(bucket, _time));

    private async Task<RevocationRecorded> RecordAsync(IActorRef bucket, string jti, long expiresAtUnix, int bucketNumber = Bucket)
    {
        bucket.Tell(new RecordRevocation(bucketNumber, jti, expiresAtUnix, "billing"), TestActor);
        return await ExpectMsgAsync<RevocationRecorded>();
    }

    private async Task<IReadOnlyDictionary<string, long>> RevocationsAsync(IActorRef bucket, int bucketNumber = Bucket)
    {
        bucket.Tell(new GetRevocations(bucketNumber), TestActor);
        var current = await ExpectMsgAsync<CurrentRevocations>();
        Assert.Equal(bucketNumber, current.Bucket);
        return current.Entries;
    }

    [Fact]
    public async Task RevocationActor_must_persist_a_revocation_and_answer_with_it()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromMinutes(5));

        var recorded = await RecordAsync(bucket, "jti-1", exp);

        Assert.Equal(new RevocationRecorded("jti-1", exp), recorded);
        Assert.Equal(new Dictionary<string, long> { ["jti-1"] = exp }, await RevocationsAsync(bucket));
        var persisted = Assert.IsType<TokenRevocationRecorded>(Assert.Single(await SpecSupport.JournalEventsAsync(this, $"token-revocations-{Bucket}")));
        Assert.Equal(new TokenRevocationRecorded("jti-1", exp, "billing"), persisted);
    }

    [Fact]
    public async Task RevocationActor_must_move_a_keys_cut_off_later_but_never_earlier()
    {
        var bucket = StartBucket();
        var key = RevokeByKey.ClientIssuedUntil("billing");
        var first = In(TimeSpan.FromMinutes(5));
        var later = In(TimeSpan.FromMinutes(9));

        await RecordAsync(bucket, key, first);
        Assert.Equal(later, (await RecordAsync(bucket, key, later)).ExpiresAtUnix);
        await RecordAsync(bucket, key, first);

        Assert.Equal(later, (await RevocationsAsync(bucket))[key]);
        Assert.Equal(2, (await SpecSupport.JournalEventsAsync(this, $"token-revocations-{Bucket}")).Count);
        Assert.True(_view.Covers(key, later));
        Assert.False(_view.Covers(key, later + 1));

        // A recovered bucket keeps the later cut-off.
        await SpecSupport.StopAndWaitAsync(this, bucket);
        Assert.Equal(later, (await RevocationsAsync(StartBucket()))[key]);
    }

    [Fact]
    public async Task RevocationActor_must_record_a_revocation_only_once()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromMinutes(5));

        await RecordAsync(bucket, "jti-1", exp);
        Assert.Equal(new RevocationRecorded("jti-1", exp), await RecordAsync(bucket, "jti-1", exp));

        Assert.Single(await SpecSupport.JournalEventsAsync(this, $"token-revocations-{Bucket}"));
    }

    [Fact]
    public async Task RevocationActor_must_keep_revocations_across_a_restart()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromMinutes(5));
        await RecordAsync(bucket, "jti-1", exp);
        await RecordAsync(bucket, "jti-2", exp);
        await SpecSupport.StopAndWaitAsync(this, bucket);

        var recovered = StartBucket();

        Assert.Equal(new Dictionary<string, long> { ["jti-1"] = exp, ["jti-2"] = exp }, await RevocationsAsync(recovered));
    }

    [Fact]
    public async Task RevocationActor_must_drop_expired_revocations_on_recovery()
    {
        var bucket = StartBucket();
        var soon = In(TimeSpan.FromMinutes(1));
        var later = In(TimeSpan.FromHours(1));
        await RecordAsync(bucket, "expires-soon", soon);
        await RecordAsync(bucket, "expires-later", later);
        await SpecSupport.StopAndWaitAsync(this, bucket);

        _time.Advance(TimeSpan.FromMinutes(2));
        var recovered = StartBucket();

        Assert.Equal(new Dictionary<string, long> { ["expires-later"] = later }, await RevocationsAsync(recovered));
    }

    [Fact]
    public async Task RevocationActor_must_drop_a_revocation_that_expires_exactly_now_on_recovery()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromMinutes(1));
        await RecordAsync(bucket, "jti-1", exp);
        await SpecSupport.StopAndWaitAsync(this, bucket);

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(await RevocationsAsync(StartBucket()));
    }

    [Fact]
    public async Task RevocationActor_must_keep_buckets_apart()
    {
        var three = StartBucket(3);
        var four = StartBucket(4);
        var exp = In(TimeSpan.FromMinutes(5));

        await RecordAsync(three, "in-three", exp, 3);
        await RecordAsync(four, "in-four", exp, 4);

        Assert.Equal(["in-three"], (await RevocationsAsync(three, 3)).Keys);
        Assert.Equal(["in-four"], (await RevocationsAsync(four, 4)).Keys);
    }

    [Fact]
    public async Task RevocationActor_must_have_every_nodes_view_confirm_a_revocation_before_it_answers()
    {
        var bucket = StartBucket();

        await RecordAsync(bucket, "jti-1", In(TimeSpan.FromMinutes(5)));

        Assert.True(_view.IsRevoked("jti-1"));
    }

    [Fact]
    public async Task RevocationActor_must_hand_out_its_revocations_in_pages()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromHours(1));
        const int count = GetRevocations.PageSize + 500;
        for (var i = 0; i < count; i++)
        {
            bucket.Tell(new RecordRevocation(Bucket, $"jti-{i:D5}", exp, "billing"), TestActor);
        }

        for (var i = 0; i < count; i++)
        {
            await ExpectMsgAsync<RevocationRecorded>();
        }

        bucket.Tell(new GetRevocations(Bucket), TestActor);
        var first = await ExpectMsgAsync<CurrentRevocations>();
        Assert.Equal(GetRevocations.PageSize, first.Entries.Count);
        Assert.Equal(first.Entries.Keys.Max(StringComparer.Ordinal), first.NextAfter);
        bucket.Tell(new GetRevocations(Bucket, 0, first.NextAfter), TestActor);
        var second = await ExpectMsgAsync<CurrentRevocations>();
        Assert.Equal(500, second.Entries.Count);
        Assert.Null(second.NextAfter);
        Assert.Equal(count, first.Entries.Keys.Union(second.Entries.Keys).Count());
    }

    [Fact]
    public async Task RevocationActor_must_answer_only_what_was_recorded_since_a_journal_position()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromMinutes(5));
        await RecordAsync(bucket, "jti-1", exp);
        bucket.Tell(new GetRevocations(Bucket), TestActor);
        var first = await ExpectMsgAsync<CurrentRevocations>();

        await RecordAsync(bucket, "jti-2", exp);
        bucket.Tell(new GetRevocations(Bucket, first.AsOf), TestActor);
        var since = await ExpectMsgAsync<CurrentRevocations>();

        Assert.Equal(["jti-1"], first.Entries.Keys);
        Assert.Equal(["jti-2"], since.Entries.Keys);
        Assert.True(since.AsOf > first.AsOf);
    }

    [Fact]
    public async Task RevocationActor_must_snapshot_every_500_revocations_and_recover_from_the_snapshot()
    {
        var bucket = StartBucket();
        var exp = In(TimeSpan.FromHours(1));
        for (var i = 0; i < 500; i++)
        {
            bucket.Tell(new RecordRevocation(Bucket, $"jti-{i}", exp, "billing"), TestActor);
        }

        for (var i = 0; i < 500; i++)
        {
            await ExpectMsgAsync<RevocationRecorded>();
        }

        // The snapshot replaces the events it covers.
        await AwaitAssertAsync(
            async () => Assert.Empty(await SpecSupport.JournalEventsAsync(this, $"token-revocations-{Bucket}")),
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(100));
        await RecordAsync(bucket, "after-snapshot", exp);
        await SpecSupport.StopAndWaitAsync(this, bucket);

        var entries = await RevocationsAsync(StartBucket());

        Assert.Equal(501, entries.Count);
        Assert.Equal(exp, entries["jti-0"]);
        Assert.Equal(exp, entries["after-snapshot"]);
    }
}
