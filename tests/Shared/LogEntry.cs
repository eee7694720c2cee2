using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Testing;

public sealed record LogEntry(DateTimeOffset At, string Category, LogLevel Level, string Message, Exception? Exception)
{
    public override string ToString() =>
        $"{At:HH:mm:ss.fff} {Level} {Category}: {Message}{(Exception is null ? string.Empty : " " + Exception.GetType().Name + ": " + Exception.Message)}";
}
