using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// The attempts log's writer for one endpoint: attempts are buffered and written in batches (one transaction each), so a
/// busy endpoint costs the database a write every few hundred deliveries rather than one per delivery. The log is for
/// people: when the database stays down, what does not fit the buffer is dropped (and counted), never a delivery held.
/// </summary>
internal sealed partial class AttemptRecorder : IAsyncDisposable
{
    private const int Capacity = 50_000;
    private const int MaxBatch = 500;
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);
    private readonly IWebhookStore _store;
    private readonly string _endpointId;
    private readonly ILogger _logger;
    private readonly Channel<WebhookAttempt> _buffer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writing;
    private long _dropped;

    public AttemptRecorder(IWebhookStore store, string endpointId, ILogger logger)
    {
        _store = store;
        _endpointId = endpointId;
        _logger = logger;
        _buffer = Channel.CreateBounded<WebhookAttempt>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _writing = Task.Run(WriteAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Add(WebhookAttempt attempt) => _buffer.Writer.TryWrite(attempt);

    private async Task WriteAsync()
    {
        var batch = new List<WebhookAttempt>(MaxBatch);
        while (await _buffer.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!_stopping.IsCancellationRequested)
            {
                // A moment to gather what else arrives, so a burst becomes a few large writes.
                await Pause(Gather).ConfigureAwait(false);
            }

            while (_buffer.Reader.TryRead(out var attempt))
            {
                batch.Add(attempt);
                if (batch.Count == MaxBatch)
                {
                    await Write(batch).ConfigureAwait(false);
                }
            }

            if (batch.Count > 0)
            {
                await Write(batch).ConfigureAwait(false);
            }
        }
    }

    private async Task Write(List<WebhookAttempt> batch)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                await _store.RecordAttemptsAsync(batch.ToArray(), CancellationToken.None).ConfigureAwait(false);
                break;
            }
            catch (Exception) when (tries < 3 && !_stopping.IsCancellationRequested)
            {
                await Pause(TimeSpan.FromSeconds(tries)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                LogNotRecorded(_logger, _endpointId, batch.Count, e.GetType().Name + ": " + e.Message);
                break;
            }
        }

        batch.Clear();
    }

    private async Task Pause(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes what is buffered (a few seconds at most) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _buffer.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _writing.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogNotFlushed(_logger, _endpointId);
        }

        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId}: {Count} attempt(s) could not be written to the attempts log ({Error}); deliveries go on")]
    private static partial void LogNotRecorded(ILogger logger, string endpointId, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId}: the attempts log was not written in time at stop; its last records are lost")]
    private static partial void LogNotFlushed(ILogger logger, string endpointId);
}
