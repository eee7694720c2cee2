using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>
/// Publishes every envelope to a durable topic exchange as a persistent <c>application/json</c> message
/// (<c>message_id</c> = event id, <c>correlation_id</c>, headers <c>event_type</c>, <c>idempotency_key</c>,
/// <c>traceparent</c>), with the <c>mandatory</c> flag: unroutable messages are counted and logged, not retried.
/// A batch is published back to back and its publisher confirms awaited together. The connection recovers by itself
/// (connection and topology recovery); the plugin starts while RabbitMQ is down and keeps trying in the background,
/// and a batch that cannot be confirmed throws so the sink actor retries it with backoff
/// (<see cref="EventPluginOptions.RetryUntilDelivered"/>), holding later events in its bounded queue meanwhile.
/// Delivery is at least once: a batch retried after a lost connection may repeat messages (consumers deduplicate on
/// <c>message_id</c> or the <c>idempotency_key</c> header).
/// </summary>
public sealed partial class RabbitMqEventPlugin : IEventPlugin, IAsyncDisposable, IDisposable
{
    public const string ContentType = "application/json";

    /// <summary>A connection that has been down this long without recovering is replaced by a new one.</summary>
    private static readonly TimeSpan ReplaceStuckConnectionAfter = TimeSpan.FromSeconds(60);

    private readonly RabbitMqEventSinkOptions _options;
    private readonly ConnectionFactory _factory;
    private readonly ILogger _logger;
    private readonly string[] _routingKeys;
    private readonly CachedString _exchangeName;
    private readonly CachedString[] _routingKeyNames;
    private readonly string[] _eventTypes;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private IConnection? _connection;
    private IChannel? _channel;
    private long _downSinceTicks;
    private long _published;
    private long _unroutable;
    private int _disposed;

    public RabbitMqEventPlugin(RabbitMqEventSinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = options.Validate();
        if (problem is not null || !options.TryCreateFactory(out var factory, out problem))
        {
            throw new ArgumentException($"Unusable RabbitMQ event sink options: {problem}", nameof(options));
        }

        _options = options;
        _factory = factory;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RabbitMqEventPlugin>();
        _eventTypes = Enum.GetValues<EventType>().Select(EventTypeNames.Name).ToArray();
        _routingKeys = _eventTypes.Select(options.RoutingKeyFor).ToArray();
        // Encoded once, not on every publish.
        _exchangeName = new CachedString(options.Exchange);
        _routingKeyNames = _routingKeys.Select(k => new CachedString(k)).ToArray();
        Options = new EventPluginOptions
        {
            MaxBatch = options.MaxBatch,
            Parallelism = options.Parallelism,
            RetryUntilDelivered = true,
            MinBackoff = TimeSpan.FromMilliseconds(250),
            MaxBackoff = TimeSpan.FromSeconds(5),
        };

        // Connect in the background now (and keep trying while the broker is down), so the sink is healthy before
        // the first event and the first event does not wait for the handshake.
        _ = Task.Run(ConnectInBackground);
    }

    public string Name => EventBackends.Rabbit;

    public EventPluginOptions Options { get; }

    public RabbitMqEventSinkOptions SinkOptions => _options;

    /// <summary>Messages the broker confirmed.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Messages the broker returned because no queue is bound for their routing key (the mandatory flag).</summary>
    public long Unroutable => Interlocked.Read(ref _unroutable);

    /// <summary>On /events/health: <c>confirmed</c> and <c>unroutable</c>.</summary>
    public IReadOnlyDictionary<string, long> Counters => new Dictionary<string, long>(2, StringComparer.Ordinal)
    {
        ["confirmed"] = Published,
        ["unroutable"] = Unroutable,
    };

    public bool IsConnected => _connection is { IsOpen: true } && _channel is { IsOpen: true };

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => EmitBatchAsync([envelope], cancellationToken);

    public async Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var channel = await Channel(cancellationToken);
        if (batch.Count == 1)
        {
            await Publish(channel, batch[0], cancellationToken);
            return;
        }

        // Every publish of the batch goes out before any confirm is awaited; the broker confirms them in bulk.
        var publishes = new Task[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            publishes[i] = Publish(channel, batch[i], cancellationToken);
        }

        await Task.WhenAll(publishes);
    }

    public async Task<bool> HealthCheckAsync(CancellationToken cancellationToken)
    {
        if (IsConnected)
        {
            return true;
        }

        if (_connection is not null)
        {
            return false; // automatic recovery is at work
        }

        try
        {
            await Channel(cancellationToken);
            return IsConnected;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

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

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The AMQP properties of the message for <paramref name="envelope"/>.</summary>
    public BasicProperties Properties(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var headers = new Dictionary<string, object?>(3, StringComparer.Ordinal)
        {
            ["event_type"] = _eventTypes[(int)envelope.Event.EventType],
            ["idempotency_key"] = envelope.EffectiveIdempotencyKey,
        };
        if (envelope.Traceparent is not null)
        {
            headers["traceparent"] = envelope.Traceparent;
        }

        return new BasicProperties
        {
            ContentType = ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = envelope.Event.Id,
            CorrelationId = envelope.CorrelationId,
            Type = _eventTypes[(int)envelope.Event.EventType],
            AppId = envelope.Producer,
            Timestamp = new AmqpTimestamp(envelope.ProducedAt.ToUnixTimeSeconds()),
            Headers = headers,
        };
    }

    /// <summary>The routing key of <paramref name="envelope"/>: the template with <c>{event_type}</c> replaced.</summary>
    public string RoutingKey(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return _routingKeys[(int)envelope.Event.EventType];
    }

    private async Task Publish(IChannel channel, EventEnvelope envelope, CancellationToken cancellationToken)
    {
        try
        {
            // With confirmation tracking the task completes when the broker confirms (or nacks, or returns) the message.
            await channel.BasicPublishAsync(_exchangeName, _routingKeyNames[(int)envelope.Event.EventType], mandatory: true, Properties(envelope), EventJson.SerializeToUtf8(envelope), cancellationToken);
            Interlocked.Increment(ref _published);
        }
        catch (PublishException e) when (e.IsReturn)
        {
            // Unroutable: the broker accepted and returned it (counted and logged by OnReturn). Retrying cannot help.
        }
    }

    private async ValueTask<IChannel> Channel(CancellationToken cancellationToken)
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
                LogConnected(_logger, _options.RedactedUrl, _options.Exchange);
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
        channel.BasicReturnAsync += OnReturn;
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
                    LogNotReachable(_logger, _options.RedactedUrl, e.GetType().Name, e.Message);
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
            LogConnectionLost(_logger, _options.RedactedUrl, e.ReplyCode, e.ReplyText);
        }

        return Task.CompletedTask;
    }

    private async Task OnRecovered(object sender, AsyncEventArgs e)
    {
        Interlocked.Exchange(ref _downSinceTicks, 0);
        LogRecovered(_logger, _options.RedactedUrl);
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

    private Task OnReturn(object sender, BasicReturnEventArgs e)
    {
        var count = Interlocked.Increment(ref _unroutable);
        if (count == 1 || count % 1000 == 0)
        {
            LogUnroutable(_logger, e.BasicProperties.MessageId, e.Exchange, e.RoutingKey, e.ReplyCode, e.ReplyText, count);
        }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ event sink connected to {Url}, exchange {Exchange} (durable topic) declared")]
    private static partial void LogConnected(ILogger logger, string url, string exchange);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink: {Url} is not reachable ({ErrorType}: {Error}); events are held and retried until it is")]
    private static partial void LogNotReachable(ILogger logger, string url, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink lost its connection to {Url} ({ReplyCode} {ReplyText}); automatic recovery is reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, string url, ushort replyCode, string replyText);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ event sink reconnected to {Url}")]
    private static partial void LogRecovered(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RabbitMQ event sink: a reconnection attempt to {Url} failed ({ErrorType}); retrying")]
    private static partial void LogRecoveryFailed(ILogger logger, string url, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink: the connection to {Url} has not recovered for a minute; opening a new one")]
    private static partial void LogReplacingConnection(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink could not declare exchange {Exchange} again after recovery: {Error}")]
    private static partial void LogRedeclareFailed(ILogger logger, string exchange, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink: message {MessageId} was unroutable on exchange {Exchange} with routing key {RoutingKey} ({ReplyCode} {ReplyText}): no queue is bound for it; {Count} unroutable so far")]
    private static partial void LogUnroutable(ILogger logger, string? messageId, string exchange, string routingKey, ushort replyCode, string replyText, long count);
}
