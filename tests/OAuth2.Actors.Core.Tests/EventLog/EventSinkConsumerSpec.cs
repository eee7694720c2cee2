using System.Collections.Concurrent;
using Akka.Configuration;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Core.Tests.EventLog;

/// <summary>One durable sink's consumer over the log (a fake store; the SQL store and the whole pipeline are tested through the host).</summary>
public sealed class EventSinkConsumerSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING"), output: output)
{
    private const string Name = "spec_sink";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly FakeEventLogStore _store = new();

    [Fact]
    public async Task Consumer_must_deliver_the_backlog_from_its_cursor_in_order_and_commit_the_cursor()
    {
        var ids = await FillAsync(50);
        var plugin = new RecordingPlugin();
        Start(plugin);

        await Until(() => plugin.Ids.Count == 50);
        Assert.Equal(ids, plugin.Ids);
        await Until(() => _store.Sink(Name)!.Position == 50);
    }

    [Fact]
    public async Task Consumer_must_start_after_its_committed_cursor()
    {
        var ids = await FillAsync(30);
        await _store.CommitSinkAsync(Name, (await _store.ClaimSinkAsync(Name, "earlier", DateTimeOffset.UtcNow, TimeSpan.Zero, default))!.Owner!, 20, DateTimeOffset.UtcNow, TimeSpan.Zero, default);
        var plugin = new RecordingPlugin();
        Start(plugin);

        await Until(() => plugin.Ids.Count == 10);
        Assert.Equal(ids.Skip(20), plugin.Ids);
    }

    [Fact]
    public async Task Consumer_with_a_queue_smaller_than_the_backlog_must_deliver_everything_once()
    {
        var ids = await FillAsync(700);
        var plugin = new RecordingPlugin();
        Start(plugin, new EventSettings { SinkBufferSize = 8, Log = new EventLogSettings { ReadPageSize = 5 } });

        await Until(() => plugin.Ids.Count >= 700);
        Assert.Equal(ids, plugin.Ids);
    }

    [Fact]
    public async Task Consumer_must_take_this_nodes_committed_batches_and_read_what_it_missed_from_the_log()
    {
        var plugin = new RecordingPlugin();
        var writer = Sys.ActorOf(EventLogWriter.Props(_store, new EventSettings(), [Name], TimeProvider.System));
        await Until(() => _store.Sink(Name) is not null);
        var consumer = Sys.ActorOf(EventSinkConsumer.Props(Name, plugin, _store, new EventSettings(), writer, TimeProvider.System));
        await Until(async () => (await consumer.Ask<SinkStatus>(new GetSinkStatus(Name), TimeSpan.FromSeconds(5))).State == SinkState.Active);

        var sent = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var batch = Enumerable.Range(0, 10).Select(_ => Envelope(EventType.TokenCreated)).ToArray();
            sent.AddRange(batch.Select(e => e.Event.Id));
            writer.Tell(new EventBatch(batch));
            if (i == 10)
            {
                // Someone else appends (another node): positions this consumer's writer never hands it.
                var other = Envelope(EventType.ClientRegistered);
                await _store.AppendAsync([new LogAppend(other)], DateTimeOffset.UtcNow, TimeSpan.FromHours(1), default);
                sent.Add(other.Event.Id);
            }
        }

        await Until(() => plugin.Ids.Count >= sent.Count);
        Assert.Equal(_store.Events.Select(e => e.Envelope.Event.Id), plugin.Ids);
        Assert.Equal(sent.Order(), plugin.Ids.Order());
    }

    [Fact]
    public async Task Consumer_must_hold_events_while_its_plugin_fails_and_deliver_them_all_when_it_is_back()
    {
        var ids = await FillAsync(40);
        var plugin = new RecordingPlugin { FailuresLeft = 5 };
        var consumer = Start(plugin);

        await Until(() => plugin.Ids.Count == 40);
        Assert.Equal(ids, plugin.Ids);
        var status = await consumer.Ask<SinkStatus>(new GetSinkStatus(Name), TimeSpan.FromSeconds(5));
        Assert.True(status.Counters.Failed >= 5);
        Assert.Contains("down", status.LastError);
    }

    [Fact]
    public async Task Consumer_must_leave_out_what_its_policy_filters_and_still_move_its_cursor_past_it()
    {
        await _store.EnsureSinksAsync([Name], default);
        var kept = new[] { Envelope(EventType.TokenCreated), Envelope(EventType.TokenRevoked) };
        var left = new[] { Envelope(EventType.ClientRegistered), Envelope(EventType.UserLogout) };
        await _store.AppendAsync([new LogAppend(left[0]), new LogAppend(kept[0]), new LogAppend(left[1]), new LogAppend(kept[1])], DateTimeOffset.UtcNow, TimeSpan.FromHours(1), default);
        var plugin = new RecordingPlugin();
        var settings = new EventSettings { SinkPolicies = new Dictionary<string, EventSinkPolicy> { [Name] = new(["token_*"], null, null) } };
        var consumer = Start(plugin, settings);

        await Until(() => _store.Sink(Name)!.Position == 4);
        Assert.Equal(kept.Select(e => e.Event.Id), plugin.Ids);
        var status = await consumer.Ask<SinkStatus>(new GetSinkStatus(Name), TimeSpan.FromSeconds(5));
        Assert.Equal(2, status.Counters.Skipped);
        Assert.Equal(0, status.LagEvents);
    }

    [Fact]
    public async Task Paused_consumer_must_deliver_nothing_and_keep_its_cursor_until_resumed()
    {
        await FillAsync(5);
        var plugin = new RecordingPlugin();
        var consumer = Start(plugin);
        await Until(() => plugin.Ids.Count == 5);

        var paused = await consumer.Ask<SinkStatus>(new PauseSink(Name), TimeSpan.FromSeconds(5));
        Assert.Equal(SinkState.Paused, paused.State);
        Assert.True(_store.Sink(Name)!.Paused);
        var more = await AppendAsync(5);
        await Task.Delay(500);
        Assert.Equal(5, plugin.Ids.Count);

        var resumed = await consumer.Ask<SinkStatus>(new ResumeSink(Name), TimeSpan.FromSeconds(5));
        Assert.Equal(SinkState.Active, resumed.State);
        await Until(() => plugin.Ids.Count == 10);
        Assert.Equal(more, plugin.Ids.Skip(5));
        Assert.False(_store.Sink(Name)!.Paused);
    }

    [Fact]
    public async Task Replay_must_deliver_the_range_again_with_the_same_ids_without_moving_the_cursor()
    {
        var ids = await FillAsync(20);
        var plugin = new RecordingPlugin();
        var consumer = Start(plugin);
        await Until(() => _store.Sink(Name)!.Position == 20);

        var started = await consumer.Ask<SinkReplayStarted>(new ReplaySink(Name, LogBound.AtPosition(5), LogBound.AtPosition(9)), TimeSpan.FromSeconds(5));
        Assert.Equal((5, 9), (started.From, started.To));
        await Until(() => plugin.Ids.Count == 25);
        Assert.Equal(ids.Skip(4).Take(5), plugin.Ids.Skip(20));
        var status = await consumer.Ask<SinkStatus>(new GetSinkStatus(Name), TimeSpan.FromSeconds(5));
        Assert.Equal(20, status.Cursor);
        Assert.Equal(new SinkReplayStatus(5, 9, 5, true), status.Replay);

        var empty = await consumer.Ask<AdminFailure>(new ReplaySink(Name, LogBound.AtPosition(30), LogBound.AtPosition(40)), TimeSpan.FromSeconds(5));
        Assert.Equal(FailureKind.BadRequest, empty.Kind);
    }

    [Fact]
    public async Task Consumer_must_stop_when_another_owner_has_taken_its_lease()
    {
        await FillAsync(3);
        var plugin = new RecordingPlugin();
        var consumer = Start(plugin, new EventSettings { Log = new EventLogSettings { CommitInterval = TimeSpan.FromMilliseconds(100) } });
        await Until(() => plugin.Ids.Count == 3);
        Watch(consumer);

        _store.StealLease(Name, "another-node", DateTimeOffset.UtcNow.AddMinutes(1));
        await ExpectTerminatedAsync(consumer, Patience);
    }

    [Fact]
    public async Task Consumer_must_wait_while_another_owner_holds_a_live_lease()
    {
        await FillAsync(3);
        await _store.ClaimSinkAsync(Name, "another-node", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), default);
        var plugin = new RecordingPlugin();
        var consumer = Start(plugin);

        await Task.Delay(500);
        Assert.Empty(plugin.Ids);
        Assert.Equal(SinkState.Starting, (await consumer.Ask<SinkStatus>(new GetSinkStatus(Name), TimeSpan.FromSeconds(5))).State);
    }

    [Fact]
    public async Task Consumer_of_a_dynamic_sink_must_deliver_through_the_plugin_its_source_makes_and_dispose_it_when_retired()
    {
        var ids = await FillAsync(25);
        var source = new DynamicSource();
        var consumer = Sys.ActorOf(EventSinkConsumer.Props(Name, source, _store, new EventSettings(), CreateTestProbe().Ref, TimeProvider.System));

        await Until(() => source.Made.Count == 1 && source.Made[0].Ids.Count == 25);
        Assert.Equal(ids, source.Made[0].Ids);

        Watch(consumer);
        var retired = await consumer.Ask<SinkRetired>(new RetireSink(Name), TimeSpan.FromSeconds(5));
        Assert.Equal(Name, retired.Sink);
        ExpectTerminated(consumer);
        Assert.True(source.Made[0].Disposed);
        // It handed its lease back with what it delivered.
        Assert.Null(_store.Sink(Name)!.Owner);
        Assert.Equal(25, _store.Sink(Name)!.Position);
    }

    [Fact]
    public async Task Consumer_of_a_dynamic_sink_that_no_longer_exists_must_answer_a_retire_and_stop_without_claiming_it()
    {
        var source = new DynamicSource { Exists = false };
        var consumer = Sys.ActorOf(EventSinkConsumer.Props(Name, source, _store, new EventSettings(), CreateTestProbe().Ref, TimeProvider.System));
        Watch(consumer);

        Assert.IsType<AdminFailure>(await consumer.Ask<object>(new GetSinkStatus(Name), TimeSpan.FromSeconds(5)));
        await consumer.Ask<SinkRetired>(new RetireSink(Name), TimeSpan.FromSeconds(5));
        ExpectTerminated(consumer);
        Assert.Null(_store.Sink(Name));
    }

    [Fact]
    public async Task Keeper_must_keep_the_sinks_its_dynamic_sources_name_running()
    {
        var region = CreateTestProbe();
        var source = new DynamicSource { Names = ["webhook:a", "webhook:b"] };
        Sys.ActorOf(EventSinkKeeper.Props(region.Ref, ["redis"], [source], TimeSpan.FromMinutes(1)));

        var kept = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            kept.Add((await region.ExpectMsgAsync<KeepSinkRunning>(TimeSpan.FromSeconds(5))).Sink);
        }

        Assert.Equal(["redis", "webhook:a", "webhook:b"], kept.Order());
    }

    private sealed class DynamicSource : IDynamicEventSinks
    {
        private readonly ConcurrentQueue<RecordingPlugin> _made = new();

        public bool Exists { get; init; } = true;

        public IReadOnlyCollection<string> Names { get; init; } = [Name];

        public IReadOnlyList<RecordingPlugin> Made => _made.ToArray();

        public bool Owns(string sink) => Names.Contains(sink);

        public Task<IReadOnlyCollection<string>> SinkNamesAsync(CancellationToken cancellationToken) => Task.FromResult(Names);

        public IEventPlugin? CreatePlugin(string sink)
        {
            if (!Exists)
            {
                return null;
            }

            var plugin = new RecordingPlugin();
            _made.Enqueue(plugin);
            return plugin;
        }
    }

    private IActorRef Start(IEventPlugin plugin, EventSettings? settings = null) =>
        Sys.ActorOf(EventSinkConsumer.Props(Name, plugin, _store, settings ?? new EventSettings(), CreateTestProbe().Ref, TimeProvider.System));

    /// <summary>The sink's row at the head (as at start), then <paramref name="count"/> events appended after it.</summary>
    private async Task<IReadOnlyList<string>> FillAsync(int count)
    {
        await _store.EnsureSinksAsync([Name], default);
        return await AppendAsync(count);
    }

    private async Task<IReadOnlyList<string>> AppendAsync(int count)
    {
        var envelopes = Enumerable.Range(0, count).Select(_ => Envelope(EventType.TokenCreated)).ToArray();
        await _store.AppendAsync(envelopes.Select(e => new LogAppend(e)).ToArray(), DateTimeOffset.UtcNow, TimeSpan.FromHours(1), default);
        return envelopes.Select(e => e.Event.Id).ToArray();
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(20);
        }
    }

    /// <summary>Records what it is given, in order; throws while <see cref="FailuresLeft"/> is above zero (its destination is down).</summary>
    private sealed class RecordingPlugin : IEventPlugin, IDisposable
    {
        private readonly ConcurrentQueue<string> _ids = new();

        public int FailuresLeft;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;

        public string Name => EventSinkConsumerSpec.Name;

        public EventPluginOptions Options { get; } = new() { MinBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(50) };

        public IReadOnlyList<string> Ids => _ids.ToArray();

        public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
        {
            if (Interlocked.Decrement(ref FailuresLeft) >= 0)
            {
                throw new InvalidOperationException("destination down");
            }

            _ids.Enqueue(envelope.Event.Id);
            return Task.CompletedTask;
        }

        public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
