using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>librdkafka's own log and error callbacks, into the host's logger, rate-limited while a broker is away.</summary>
internal sealed partial class KafkaProducerLog(ILogger logger)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);

    public void Library(LogMessage message)
    {
        // Connection failures come through the error callback too (rate-limited there): only librdkafka's
        // configuration warnings are worth a warning of their own.
        if (message.Facility == "CONFWARN" && ShouldLog("log:" + message.Facility + message.Message))
        {
            LogLibraryWarning(logger, message.Facility, message.Message);
        }
        else if (logger.IsEnabled(LogLevel.Debug))
        {
            LogLibrary(logger, message.Facility, message.Message);
        }
    }

    public void Error(Error error)
    {
        if (error.IsFatal || ShouldLog("error:" + error.Code.ToString()))
        {
            LogError(logger, error.Code.ToString(), error.Reason, error.IsFatal);
        }
    }

    private bool ShouldLog(string key)
    {
        var now = Environment.TickCount64;
        lock (_last)
        {
            if (_last.TryGetValue(key, out var last) && now - last < Quiet.TotalMilliseconds)
            {
                return false;
            }

            _last[key] = now;
            return true;
        }
    }

    [LoggerMessage(EventId = 10, EventName = "Librdkafka", Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Message}")]
    private static partial void LogLibrary(ILogger logger, string facility, string message);

    [LoggerMessage(EventId = 11, EventName = "LibrdkafkaWarning", Level = LogLevel.Warning, Message = "librdkafka {Facility}: {Message}")]
    private static partial void LogLibraryWarning(ILogger logger, string facility, string message);

    [LoggerMessage(EventId = 12, EventName = "KafkaProducerError", Level = LogLevel.Warning, Message = "Kafka sink producer error {ErrorCode}: {Reason} (fatal {Fatal}); events are held and retried")]
    private static partial void LogError(ILogger logger, string errorCode, string reason, bool fatal);
}
