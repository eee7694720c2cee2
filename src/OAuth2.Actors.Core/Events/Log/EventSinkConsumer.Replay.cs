using Akka.Event;
using OAuth2.Actors.Auth;

namespace OAuth2.Actors.Events.Log;

/// <summary>The consumer's replay of a range and its status answers.</summary>
public sealed partial class EventSinkConsumer
{
    private void StartReplay(ReplaySink replay)
    {
        if (ReplayRunning)
        {
            Sender.Tell(new AdminFailure(FailureKind.Conflict, "replay_running", $"Event sink '{_sink}' is already replaying positions {_replay!.From} to {_replay.To}; wait until it is done."));
            return;
        }

        var replyTo = Sender;
        Resolve(replay.From, replay.To).PipeTo(
            Self,
            success: range => range.Refused is null
                ? new ReplayResolved(range.From, range.To, replyTo, null)
                : new ReplayResolved(0, 0, replyTo, range.Refused),
            failure: e =>
            {
                _logger.Warning("Event sink {Sink}: the event log did not answer a replay's bounds ({Error})", _sink, e.GetType().Name);
                return new ReplayResolved(0, 0, replyTo, new AdminFailure(FailureKind.Unavailable, "log_unavailable", "The event log did not answer; try again."));
            });
    }

    private bool ReplayRunning => _replay is { } r && !(r.AllQueued && (_delivery?.ReplayAcked ?? 0) >= r.LastQueued);

    /// <summary>Positions for the bounds (inclusive): a time is the first event appended at or after it, or the last at or before it.</summary>
    private async Task<(long From, long To, AdminFailure? Refused)> Resolve(LogBound from, LogBound to)
    {
        var head = await _store.HeadAsync(CancellationToken.None);
        var start = from.Position ?? (await _store.PositionAtAsync(from.Time!.Value, atOrAfter: true, CancellationToken.None)) + 1;
        var end = Math.Min(head, to.Position ?? await _store.PositionAtAsync(to.Time!.Value, atOrAfter: false, CancellationToken.None));
        start = Math.Max(1, start);
        return start > end
            ? (0, 0, new AdminFailure(FailureKind.BadRequest, "empty_range", $"The range holds no logged event (the log's head is {head})."))
            : (start, end, null);
    }

    private void ReplayReady(ReplayResolved resolved)
    {
        if (resolved.Refused is { } refused)
        {
            resolved.ReplyTo.Tell(refused);
            return;
        }

        if (ReplayRunning)
        {
            resolved.ReplyTo.Tell(new AdminFailure(FailureKind.Conflict, "replay_running", $"Event sink '{_sink}' is already replaying."));
            return;
        }

        _replay = new Replay(resolved.From, resolved.To) { ReplayedBefore = _delivery!.Counters.Replayed };
        _logger.Info("Event sink {Sink}: replaying positions {From} to {To}", _sink, resolved.From, resolved.To);
        resolved.ReplyTo.Tell(new SinkReplayStarted(_sink, resolved.From, resolved.To));
        Fill();
    }

    private void ReplyStatus(IActorRef replyTo)
    {
        var state = _paused ? SinkState.Paused : _delivery?.Failing == true ? SinkState.Failing : SinkState.Active;
        var acked = Acked;
        if (_head <= acked)
        {
            replyTo.Tell(Status(state, 0));
            return;
        }

        // The lag in time: the age of the oldest event the sink has not acknowledged.
        var now = _time.GetUtcNow();
        _store.ReadAsync(acked, 1, null, CancellationToken.None).ContinueWith(
            t => replyTo.Tell(Status(state, t.IsCompletedSuccessfully && t.Result.Count == 1 ? Math.Max(0, (now - t.Result[0].AppendedAt).TotalSeconds) : 0)),
            TaskScheduler.Default);
    }

    private SinkStatus Status(SinkState state, double lagSeconds)
    {
        var acked = Acked;
        SinkReplayStatus? replay = null;
        if (_replay is { } r && _delivery is { } delivery)
        {
            replay = new SinkReplayStatus(r.From, r.To, delivery.Counters.Replayed - r.ReplayedBefore, !ReplayRunning);
        }

        return new SinkStatus(
            _sink,
            state,
            acked,
            Math.Max(_head, acked),
            Math.Max(0, _head - acked),
            lagSeconds,
            _lost,
            _node,
            _delivery?.Counters ?? new SinkCounters(0, 0, 0, 0),
            replay,
            _delivery?.LastError,
            _plugin?.Counters);
    }
}
