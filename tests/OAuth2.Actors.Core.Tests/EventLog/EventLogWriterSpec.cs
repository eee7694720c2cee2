using Akka.Configuration;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Core.Tests.EventLog;

/// <summary>The node's log writer over a fake store.</summary>
public sealed class EventLogWriterSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING"), output: output)
{
    private readonly FakeEventLogStore _store = new();

    [Fact]
    public async Task Writer_must_append_in_order_and_hand_each_committed_batch_to_its_followers()
    {
        var writer = Sys.ActorOf(EventLogWriter.Props(_store, new EventSettings(), ["a", "b"], TimeProvider.System));
        var follower = CreateTestProbe();
        writer.Tell(new FollowLog(follower.Ref));
        var sent = Enumerable.Range(0, 30).Select(_ => Envelope(EventType.TokenCreated)).ToArray();
        foreach (var chunk in sent.Chunk(7))
        {
            writer.Tell(new EventBatch(chunk));
        }

        var handed = new List<LoggedEvent>();
        while (handed.Count < sent.Length)
        {
            handed.AddRange((await follower.ExpectMsgAsync<LogAppended>()).Events);
        }

        Assert.Equal(sent.Select(e => e.Event.Id), handed.Select(e => e.Envelope.Event.Id));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), handed.Select(e => e.Position));
        Assert.Equal(sent.Select(e => e.Event.Id), _store.Events.Select(e => e.Envelope.Event.Id));
        Assert.Equal(0, _store.Sink("a")!.Position); // each sink's row was made at the head before anything was appended
    }

    [Fact]
    public async Task Writer_must_append_an_event_at_once_when_idle_and_gather_what_comes_within_the_interval_into_one_transaction()
    {
        var settings = new EventSettings { Log = new EventLogSettings { AppendInterval = TimeSpan.FromSeconds(2) } };
        var writer = Sys.ActorOf(EventLogWriter.Props(_store, settings, [], TimeProvider.System));
        await AwaitConditionAsync(async () => (await writer.Ask<EventLogHealth>(GetEventLogHealth.Instance)).LastError is null);

        writer.Tell(new EventBatch([Envelope(EventType.TokenCreated)]));
        await AwaitConditionAsync(() => Task.FromResult(_store.Events.Count == 1), TimeSpan.FromSeconds(1));

        // Five batches right after that append: they wait for the rest of its interval, then go in one transaction.
        var sent = Enumerable.Range(0, 5).Select(_ => Envelope(EventType.TokenCreated)).ToArray();
        foreach (var envelope in sent)
        {
            writer.Tell(new EventBatch([envelope]));
        }

        await AwaitConditionAsync(() => Task.FromResult(_store.Events.Count == 6), TimeSpan.FromSeconds(10));
        Assert.Equal(2, _store.Appends);
        Assert.Equal(sent.Select(e => e.Event.Id), _store.Events.Skip(1).Select(e => e.Envelope.Event.Id));
    }

    [Fact]
    public async Task Writer_must_hold_events_while_the_database_fails_and_append_them_in_order_when_it_answers()
    {
        var writer = Sys.ActorOf(EventLogWriter.Props(_store, new EventSettings(), [], TimeProvider.System));
        await AwaitConditionAsync(async () => (await writer.Ask<EventLogHealth>(GetEventLogHealth.Instance)).LastError is null && _store.Appends == 0);
        _store.Failing = true;
        var sent = Enumerable.Range(0, 10).Select(_ => Envelope(EventType.TokenCreated)).ToArray();
        writer.Tell(new EventBatch(sent[..5]));
        writer.Tell(new EventBatch(sent[5..]));
        await AwaitConditionAsync(async () => (await writer.Ask<EventLogHealth>(GetEventLogHealth.Instance)) is { Pending: 10, LastError: not null });

        _store.Failing = false;
        await AwaitConditionAsync(() => Task.FromResult(_store.Events.Count == 10), TimeSpan.FromSeconds(15));
        Assert.Equal(sent.Select(e => e.Event.Id), _store.Events.Select(e => e.Envelope.Event.Id));
        var health = await writer.Ask<EventLogHealth>(GetEventLogHealth.Instance);
        Assert.Equal((10, 0, 0, 10), (health.Appended, health.Pending, health.Dropped, health.Head));
    }

    [Fact]
    public async Task Writer_must_answer_a_repeated_ingest_key_with_the_first_events_id()
    {
        var writer = Sys.ActorOf(EventLogWriter.Props(_store, new EventSettings(), [], TimeProvider.System));
        var first = Envelope(EventType.UserAuthenticated) with { IdempotencyKey = "key-1" };
        var again = Envelope(EventType.UserAuthenticated) with { IdempotencyKey = "key-1" };
        var producer = CreateTestProbe();

        writer.Tell(new AppendIngested(first, producer.Ref));
        var accepted = await ExpectMsgAsync<IngestAppended>();
        writer.Tell(new AppendIngested(again, producer.Ref));
        var duplicate = await ExpectMsgAsync<IngestAppended>();

        Assert.True(accepted.Outcome.Appended);
        Assert.Equal(first.Event.Id, duplicate.Outcome.DuplicateOf);
        Assert.Single(_store.Events);
    }

    [Fact]
    public async Task Flush_must_answer_once_what_the_writer_holds_is_in_the_log()
    {
        var writer = Sys.ActorOf(EventLogWriter.Props(_store, new EventSettings(), [], TimeProvider.System));
        writer.Tell(new EventBatch([Envelope(EventType.TokenCreated), Envelope(EventType.TokenRevoked)]));
        var flushed = await writer.Ask<EventLogFlushed>(new FlushEventLog(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));

        Assert.Equal(0, flushed.Remaining);
        Assert.Equal(2, _store.Events.Count);
    }
}
