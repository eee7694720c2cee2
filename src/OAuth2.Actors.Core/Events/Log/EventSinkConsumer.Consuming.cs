using Akka.Event;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Events.Log;

/// <summary>The consumer once it holds the sink's lease: filling the delivery queue, committing, and the admin commands.</summary>
public sealed partial class EventSinkConsumer
{
    private bool _committing;

    private void Consuming()
    {
        Receive<LogAppended>(Appended);
        Receive<RoomFreed>(_ => Fill());
        Receive<PageRead>(Page);
        Receive<PollTick>(_ => _store.HeadAsync(CancellationToken.None)
            .PipeTo(Self, success: h => new HeadRead(h), failure: e => new StoreFailed("head read", e)));
        Receive<HeadRead>(h =>
        {
            _head = Math.Max(_head, h.Head);
            // Behind on two polls in a row: events this node's writer did not hand over (another node appended them).
            var behind = _head > _queuedUpTo;
            if (behind && _headBehindAtLastPoll)
            {
                _behind = true;
                Fill();
            }

            _headBehindAtLastPoll = behind;
        });
        Receive<CommitTick>(_ => Commit());
        Receive<Committed>(OnCommitted);
        Receive<StoreFailed>(f =>
        {
            _logger.Warning("Event sink {Sink}: the event log did not answer the {Operation} ({Error})", _sink, f.Operation, f.Error.GetType().Name + ": " + f.Error.Message);
            if (f.Operation == "commit")
            {
                _committing = false;
            }
            else if (f.Operation == "read")
            {
                _reading = false;
                Timers.StartSingleTimer(RoomFreed.Instance, RoomFreed.Instance, TimeSpan.FromSeconds(1));
            }
        });
        Receive<GetSinkStatus>(_ => ReplyStatus(Sender));
        Receive<ReplyStatusTo>(r => ReplyStatus(r.ReplyTo));
        Receive<PauseSink>(_ => SetPaused(true));
        Receive<ResumeSink>(_ => SetPaused(false));
        Receive<ReplaySink>(StartReplay);
        Receive<ReplayResolved>(ReplayReady);
        Receive<KeepSinkRunning>(_ => { });
        Receive<RetireSink>(_ => Retire());
        Receive<StopEntity>(_ => Context.Stop(Self));
    }

    /// <summary>The fast path: a batch this node just committed, queued as it is when it follows on from what is queued.</summary>
    private void Appended(LogAppended appended)
    {
        var events = appended.Events;
        if (events.Count == 0 || events[^1].Position <= _queuedUpTo)
        {
            return;
        }

        _head = Math.Max(_head, events[^1].Position);
        if (_behind || _paused || _reading || events[0].Position != _queuedUpTo + 1)
        {
            _behind = true;
            Fill();
            return;
        }

        if (_delivery!.Free < events.Count)
        {
            // The queue is full: these wait in the log, read back once the sink has made room.
            _behind = true;
            Fill();
            return;
        }

        foreach (var e in events)
        {
            Enqueue(e, replay: false);
        }

        _queuedUpTo = events[^1].Position;
    }

    /// <summary>Reads the next page from the log when there is room: a running replay's range first, then the sink's own backlog.</summary>
    private void Fill()
    {
        if (_delivery is null || _paused || _reading)
        {
            return;
        }

        var page = Math.Min(_log.ReadPageSize, _delivery.Capacity);
        var free = _delivery.Free;
        if (free < Math.Max(1, page / 2))
        {
            _delivery.WantRoom();
            free = _delivery.Free; // room may have been made just before the request: look again
            if (free < Math.Max(1, page / 2))
            {
                return;
            }
        }

        var limit = Math.Min(free, page);
        if (_replay is { AllQueued: false } replay)
        {
            Read(replay.QueuedUpTo, limit, replay.To, forReplay: true);
        }
        else if (_behind)
        {
            Read(_queuedUpTo, limit, null, forReplay: false);
        }
    }

    private void Read(long after, int limit, long? upTo, bool forReplay)
    {
        _reading = true;
        var headAtStart = _head;
        _store.ReadAsync(after, limit, upTo, CancellationToken.None)
            .PipeTo(Self, success: events => new PageRead(events, limit, forReplay, headAtStart), failure: e => new StoreFailed("read", e));
    }

    private void Page(PageRead page)
    {
        _reading = false;
        if (page.ForReplay && _replay is { } replay)
        {
            foreach (var e in page.Events)
            {
                if (!Enqueue(e, replay: true))
                {
                    break;
                }

                replay.QueuedUpTo = e.Position;
                replay.LastQueued = e.Position;
            }

            if (page.Events.Count < page.Limit && replay.QueuedUpTo == (page.Events.Count == 0 ? replay.QueuedUpTo : page.Events[^1].Position))
            {
                replay.QueuedUpTo = replay.To; // the rest of the range holds nothing (purged, or past the end)
            }
        }
        else if (!page.ForReplay)
        {
            var complete = true;
            foreach (var e in page.Events)
            {
                if (e.Position <= _queuedUpTo)
                {
                    continue;
                }

                if (!Enqueue(e, replay: false))
                {
                    complete = false;
                    break;
                }

                _queuedUpTo = e.Position;
            }

            if (complete && page.Events.Count < page.Limit)
            {
                // Everything up to the head known when the read began was in it (positions above the last one read
                // were purged); caught up unless more has been appended since.
                _queuedUpTo = Math.Max(_queuedUpTo, page.HeadAtStart);
                _behind = _head > _queuedUpTo;
            }
        }

        Fill();
    }

    private bool Enqueue(LoggedEvent e, bool replay)
    {
        var envelope = _policy.Allows(e.Envelope.Event) ? e.Envelope : null;
        if (_delivery!.TryAdd(new SinkItem(e.Position, e.AppendedAt, envelope, replay)))
        {
            return true;
        }

        _behind |= !replay;
        _delivery.WantRoom();
        return false;
    }

    private void Commit()
    {
        if (_delivery is null || _committing)
        {
            return;
        }

        _committing = true;
        var position = _delivery.Acked;
        var now = _time.GetUtcNow();
        _store.CommitSinkAsync(_sink, _owner, position, now, _log.Lease, CancellationToken.None)
            .PipeTo(Self, success: row => new Committed(row, now, position), failure: e => new StoreFailed("commit", e));
        RefreshLagAge(position);
    }

    /// <summary>
    /// With every commit, while someone collects the lag gauges and the sink is behind: when the oldest event it has not
    /// acknowledged was appended (one indexed read). The gauge reads the answer; a failed read leaves the last one.
    /// </summary>
    private void RefreshLagAge(long acked)
    {
        if (!_metrics.LagAgeObserved)
        {
            return;
        }

        if (Volatile.Read(ref _head) <= acked)
        {
            Volatile.Write(ref _oldestUnacked, null);
            return;
        }

        // One read at a time (a slow database must not pile them up); the continuation clears the flag itself.
        if (Interlocked.CompareExchange(ref _readingLag, 1, 0) != 0)
        {
            return;
        }

        _store.ReadAsync(acked, 1, null, CancellationToken.None).ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    Volatile.Write(ref _oldestUnacked, t.Result.Count == 1 ? new LaggingEvent(t.Result[0].Position, t.Result[0].AppendedAt) : null);
                }

                Volatile.Write(ref _readingLag, 0);
            },
            TaskScheduler.Default);
    }

    /// <summary>The lag gauges' reading (called on the exporter's thread): events behind the head, and the age of the oldest.</summary>
    private SinkLag Lag()
    {
        var acked = Acked;
        var events = Math.Max(0, Volatile.Read(ref _head) - acked);
        var age = events > 0 && Volatile.Read(ref _oldestUnacked) is { } oldest && oldest.Position > acked
            ? _time.GetUtcNow() - oldest.AppendedAt
            : TimeSpan.Zero;
        return new SinkLag(events, age < TimeSpan.Zero ? TimeSpan.Zero : age);
    }

    private sealed record LaggingEvent(long Position, DateTimeOffset AppendedAt);

    private void OnCommitted(Committed committed)
    {
        _committing = false;
        if (committed.Row is not { } row)
        {
            _logger.Error("Event sink {Sink}: {Owner} no longer holds the sink's lease (another consumer has it); stopping delivery here", _sink, _owner);
            Volatile.Write(ref _leaseValidUntil, 0);
            Context.Stop(Self);
            return;
        }

        _committed = Math.Max(_committed, committed.Position);
        Volatile.Write(ref _leaseValidUntil, LeaseEnd(committed.At));
        if (row.Lost > _lost)
        {
            _logger.Warning("Event sink {Sink} lost {Count} event(s) to retention before it acknowledged them ({Total} in all)", _sink, row.Lost - _lost, row.Lost);
            _metrics.Dropped(row.Lost - _lost, DropReasons.Retention);
            _lost = row.Lost;
        }
    }

    private void SetPaused(bool paused)
    {
        var replyTo = Sender;
        Volatile.Write(ref _paused, paused);
        _logger.Info("Event sink {Sink} {Action}", _sink, paused ? "paused" : "resumed");
        if (!paused)
        {
            _behind = true; // what arrived meanwhile is in the log
            Fill();
        }

        var self = Self;
        _store.SetSinkPausedAsync(_sink, paused, CancellationToken.None).ContinueWith(
            t =>
            {
                if (t.IsFaulted)
                {
                    _logger.Warning("Event sink {Sink}: the paused flag was not stored ({Error}); it holds until this consumer stops", _sink, t.Exception?.GetBaseException().GetType().Name);
                }

                self.Tell(new ReplyStatusTo(replyTo));
            },
            TaskScheduler.Default);
    }
}
