using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events;

/// <summary>
/// The connection lifecycle every broker sink logs the same way: connected, not reachable (events held), lost
/// (reconnecting), reconnected. Logged once per outage, never with a password (the URL is the redacted one).
/// </summary>
public static partial class BrokerConnectionLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Sink} event sink connected to {Url}, {Destination}")]
    public static partial void Connected(ILogger logger, string sink, string url, string destination);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Sink} event sink: {Url} is not reachable ({Reason}); events are held and retried until it is")]
    public static partial void NotReachable(ILogger logger, string sink, string url, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "{Sink} event sink lost its connection to {Url} ({Reason}); reconnecting")]
    public static partial void Lost(ILogger logger, string sink, string url, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "{Sink} event sink reconnected to {Url}")]
    public static partial void Reconnected(ILogger logger, string sink, string url);
}
