using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Testing;

/// <summary>
/// Every line a test host logs at Warning or above: for assertions on start-up warnings and secrets that must not be
/// logged, and for the tail of the log that explains a host that never became usable.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    public IEnumerable<string> Warnings => _entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    /// <summary>The last <paramref name="count"/> lines, one per entry, with time, level, category and exception.</summary>
    public string Tail(int count) => string.Join("\n", _entries.TakeLast(count));

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new LogEntry(DateTimeOffset.UtcNow, category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
