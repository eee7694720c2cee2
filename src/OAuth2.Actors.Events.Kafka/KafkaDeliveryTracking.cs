using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>What the delivery reports said, over the plugin's life: the counters on /events/health.</summary>
internal sealed class KafkaDeliveryCounters
{
    private long _produced;
    private long _delivered;
    private long _failedReports;
    private long _rejected;

    public long Produced => Interlocked.Read(ref _produced);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long FailedReports => Interlocked.Read(ref _failedReports);

    public long Rejections => Interlocked.Read(ref _rejected);

    /// <summary>Errors that no retry can cure (too large, invalid): the event is refused for good.</summary>
    public static bool IsPermanent(ErrorCode code) => code is ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsgSize
        or ErrorCode.InvalidMsg or ErrorCode.Local_BadMsg or ErrorCode.InvalidRecord or ErrorCode.Local_KeySerialization
        or ErrorCode.Local_ValueSerialization or ErrorCode.Local_InvalidArg;

    public void ProducedOne() => Interlocked.Increment(ref _produced);

    public void DeliveredReport() => Interlocked.Increment(ref _delivered);

    public void FailedReport() => Interlocked.Increment(ref _failedReports);

    public void Rejected() => Interlocked.Increment(ref _rejected);
}

/// <summary>One attempt at a batch: which events are settled (acknowledged or refused for good), and the first error.</summary>
internal sealed partial class KafkaBatchAttempt
{
    private readonly KafkaDeliveryCounters _counters;
    private readonly ILogger _logger;
    private readonly bool[] _settled;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending = 1; // the producing loop holds one until AllProduced
    private int _failures;
    private Error? _firstError;

    public KafkaBatchAttempt(KafkaDeliveryCounters counters, ILogger logger, int count)
    {
        _counters = counters;
        _logger = logger;
        _settled = new bool[count];
    }

    public Task Completion => _done.Task;

    public bool IsSettled(int index) => Volatile.Read(ref _settled[index]);

    public void CarryOver(KafkaBatchAttempt previous)
    {
        for (var i = 0; i < _settled.Length; i++)
        {
            _settled[i] = previous.IsSettled(i);
        }
    }

    public Action<DeliveryReport<string, byte[]>> Handler(int index)
    {
        Interlocked.Increment(ref _pending);
        return report =>
        {
            if (report.Error.IsError)
            {
                if (KafkaDeliveryCounters.IsPermanent(report.Error.Code))
                {
                    _counters.Rejected();
                    Volatile.Write(ref _settled[index], true);
                }
                else
                {
                    _counters.FailedReport();
                    Failed(report.Error);
                }
            }
            else
            {
                _counters.DeliveredReport();
                Volatile.Write(ref _settled[index], true);
            }

            Release();
        };
    }

    public void Reject(int index, EventEnvelope envelope, Error error)
    {
        _counters.Rejected();
        LogRejected(_logger, envelope.Event.Id, error.Code.ToString(), error.Reason);
        Volatile.Write(ref _settled[index], true);
    }

    public void Fail(Error error) => Failed(error);

    public void AllProduced() => Release();

    private void Failed(Error error)
    {
        if (Interlocked.Increment(ref _failures) == 1)
        {
            _firstError = error;
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _pending) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _failures) is var failures and > 0)
        {
            var error = _firstError!;
            _done.TrySetException(new KafkaDeliveryException(failures, _settled.Length, error));
        }
        else
        {
            _done.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 6, EventName = "KafkaEventRejected", Level = LogLevel.Error, Message = "Kafka sink: event {EventId} refused for good ({ErrorCode}: {Reason}); not retried")]
    private static partial void LogRejected(ILogger logger, string eventId, string errorCode, string reason);
}

/// <summary>Some delivery reports of a batch said failed; the sink retries the batch (the acknowledged events are not re-sent).</summary>
public sealed class KafkaDeliveryException(int failed, int batch, Error error)
    : Exception(string.Format(CultureInfo.InvariantCulture, "{0} of {1} event(s) not delivered to Kafka: {2} ({3})", failed, batch, error.Reason, error.Code))
{
    public ErrorCode Code { get; } = error.Code;
}
