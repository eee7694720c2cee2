using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>
/// The RabbitMQ sink's one connection and its publisher-confirm channel, with the exchange declared on it: opened in
/// the background from the start (and retried while the broker is down), recovered by the client library (connection
/// and topology recovery), a closed channel reopened, and a connection that has not recovered for a minute replaced.
/// A caller asking for the channel while there is none gets an exception at once: the sink holds and retries.
/// </summary>
internal sealed partial class RabbitMqConnection : IAsyncDisposable
{
    /// <summary>A connection that has been down this long without recovering is replaced by a new one.</summary>
    private static readonly TimeSpan ReplaceStuckConnectionAfter = TimeSpan.FromSeconds(60);

    private readonly RabbitMqEventSinkOptions _options;
    private readonly ConnectionFactory _factory;
    private readonly ILogger _logger;
    private readonly AsyncEventHandler<BasicReturnEventArgs> _onReturn;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private IConnection? _connection;
    private IChannel? _channel;
    private long _downSinceTicks;
    private int _disposed;

    /// <param name="onReturn">Called for every message the broker returns as unroutable (the mandatory flag).</param>
    public RabbitMqConnection(RabbitMqEventSinkOptions options, ConnectionFactory factory, ILogger logger, AsyncEventHandler<BasicReturnEventArgs> onReturn)
    {
        _options = options;
        _factory = factory;
        _logger = logger;
        _onReturn = onReturn;

        // Connect in the background now (and keep trying while the broker is down), so the sink is healthy before
        // the first event and the first event does not wait for the handshake.
        _ = Task.Run(ConnectInBackground);
    }

    public bool IsConnected => _connection is { IsOpen: true } && _channel is { IsOpen: true };

    /// <summary>True once a connection was made: from then on automatic recovery, not this class, reconnects it.</summary>
    public bool HasConnection => _connection is not null;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // The token source is cancelled, not disposed: the background connect loop may still read its token.
        await _disposing.CancelAsync();
        var locked = await _connectLock.WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            await CloseQuietly(_channel, _connection);
            _channel = null;
            _connection = null;
        }
        finally
        {
            if (locked)
            {
                _connectLock.Release();
            }
        }
    }

    public async ValueTask<IChannel> Channel(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        await _connectLock.WaitAsync(linked.Token);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            if (_channel is { IsOpen: true } channel)
            {
                return channel;
            }

            if (_connection is { } connection)
            {
                if (connection.IsOpen)
                {
                    // The connection is up but the channel was closed by a channel error: open another one.
                    await CloseQuietly(_channel, null);
                    _channel = await OpenChannel(connection, linked.Token);
                    return _channel;
                }

                var downSince = Interlocked.Read(ref _downSinceTicks);
                if (downSince == 0 || DateTime.UtcNow.Ticks - downSince < ReplaceStuckConnectionAfter.Ticks)
                {
                    throw new InvalidOperationException($"RabbitMQ at {_options.RedactedUrl} is unreachable; automatic recovery is reconnecting");
                }

                // Recovery has not succeeded for a long time (it may have given up): start over.
                LogReplacingConnection(_logger, _options.RedactedUrl);
                await CloseQuietly(_channel, connection);
                _channel = null;
                _connection = null;
            }

            var created = await _factory.CreateConnectionAsync(linked.Token);
            try
            {
                created.ConnectionShutdownAsync += OnConnectionShutdown;
                created.RecoverySucceededAsync += OnRecovered;
                created.ConnectionRecoveryErrorAsync += OnRecoveryError;
                _channel = await OpenChannel(created, linked.Token);
                _connection = created;
                Interlocked.Exchange(ref _downSinceTicks, 0);
                BrokerConnectionLog.Connected(_logger, "RabbitMQ", _options.RedactedUrl, $"exchange {_options.Exchange} (durable topic) declared");
                return _channel;
            }
            catch
            {
                await CloseQuietly(null, created);
                throw;
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<IChannel> OpenChannel(IConnection connection, CancellationToken cancellationToken)
    {
        // The sink bounds what is in flight (MaxBatch × Parallelism); the client's own limiter must not throttle below it.
        var inFlight = _options.MaxBatch * _options.Parallelism;
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(Math.Max(256, inFlight * 4))),
            cancellationToken);
        channel.BasicReturnAsync += _onReturn;
        await DeclareExchange(channel, cancellationToken);
        return channel;
    }

    private Task DeclareExchange(IChannel channel, CancellationToken cancellationToken) =>
        channel.ExchangeDeclareAsync(_options.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, arguments: null, passive: false, noWait: false, cancellationToken);

    private async Task ConnectInBackground()
    {
        var delay = TimeSpan.FromMilliseconds(500);
        var warned = false;
        while (!_disposing.IsCancellationRequested && _connection is null)
        {
            try
            {
                await Channel(_disposing.Token);
                return;
            }
            catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception e)
            {
                if (!warned)
                {
                    warned = true;
                    BrokerConnectionLog.NotReachable(_logger, "RabbitMQ", _options.RedactedUrl, $"{e.GetType().Name}: {e.Message}");
                }
            }

            try
            {
                await Task.Delay(delay, _disposing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, delay.Ticks * 2));
        }
    }

    private Task OnConnectionShutdown(object sender, ShutdownEventArgs e)
    {
        if (e.Initiator != ShutdownInitiator.Application && Interlocked.CompareExchange(ref _downSinceTicks, DateTime.UtcNow.Ticks, 0) == 0)
        {
            BrokerConnectionLog.Lost(_logger, "RabbitMQ", _options.RedactedUrl, $"{e.ReplyCode} {e.ReplyText}; automatic recovery is at work");
        }

        return Task.CompletedTask;
    }

    private async Task OnRecovered(object sender, AsyncEventArgs e)
    {
        Interlocked.Exchange(ref _downSinceTicks, 0);
        BrokerConnectionLog.Reconnected(_logger, "RabbitMQ", _options.RedactedUrl);
        // Topology recovery re-declares the exchange; declaring it again is idempotent and covers a broker that lost it.
        if (_channel is { IsOpen: true } channel)
        {
            try
            {
                await DeclareExchange(channel, e.CancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRedeclareFailed(_logger, _options.Exchange, ex.Message);
            }
        }
    }

    private Task OnRecoveryError(object sender, ConnectionRecoveryErrorEventArgs e)
    {
        LogRecoveryFailed(_logger, _options.RedactedUrl, e.Exception.GetType().Name);
        return Task.CompletedTask;
    }

    private static async Task CloseQuietly(IChannel? channel, IConnection? connection)
    {
        try
        {
            if (channel is not null)
            {
                if (channel.IsOpen)
                {
                    await channel.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5));
                }

                await channel.DisposeAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Closing a channel of a dead connection: nothing to do.
        }

        try
        {
            if (connection is not null)
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(10));
                await connection.DisposeAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already closed.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "RabbitMQ event sink: a reconnection attempt to {Url} failed ({ErrorType}); retrying")]
    private static partial void LogRecoveryFailed(ILogger logger, string url, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink: the connection to {Url} has not recovered for a minute; opening a new one")]
    private static partial void LogReplacingConnection(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink could not declare exchange {Exchange} again after recovery: {Error}")]
    private static partial void LogRedeclareFailed(ILogger logger, string exchange, string error);
}
