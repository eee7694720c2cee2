using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OAuth2.Actors.Events.CloudEvents;
using StackExchange.Redis;

namespace OAuth2.Actors.Events.Redis;

/// <summary>
/// Appends every envelope to a Redis Stream with <c>XADD</c>: fields <c>event_type</c>, <c>event_id</c>,
/// <c>idempotency_key</c> (the effective key), <c>correlation_id</c>, <c>producer</c> and <c>payload</c> (the envelope
/// JSON), with <c>MAXLEN ~ N</c> when configured; in either CloudEvents format (a stream entry has no headers for
/// binary mode) fields <c>type</c> and <c>id</c> (the CloudEvent's) and <c>cloudevent</c> (the structured-mode JSON). A batch's XADDs are written back to back without waiting for each
/// reply (one pipelined round trip). The connection starts in the background and reconnects by itself, so the plugin
/// starts while Redis is down; a failed batch throws and the sink actor retries it with backoff
/// (<see cref="EventPluginOptions.RetryUntilDelivered"/>), holding later events in its bounded queue meanwhile.
/// </summary>
public sealed class RedisEventPlugin : IEventPlugin, IAsyncDisposable, IDisposable
{
    /// <summary>The sink's name in OAUTH2_EVENTS_BACKEND and on /events/health.</summary>
    public const string BackendName = "redis";

    private static readonly RedisValue EventTypeField = "event_type";
    private static readonly RedisValue EventIdField = "event_id";
    private static readonly RedisValue IdempotencyKeyField = "idempotency_key";
    private static readonly RedisValue CorrelationIdField = "correlation_id";
    private static readonly RedisValue ProducerField = "producer";
    private static readonly RedisValue PayloadField = "payload";

    /// <summary>The field holding the structured-mode CloudEvent (application/cloudevents+json).</summary>
    public static readonly RedisValue CloudEventField = "cloudevent";

    /// <summary>The CloudEvent's <c>type</c>, beside <see cref="CloudEventField"/>.</summary>
    public static readonly RedisValue CloudEventTypeField = "type";

    /// <summary>The CloudEvent's <c>id</c>, beside <see cref="CloudEventField"/>.</summary>
    public static readonly RedisValue CloudEventIdField = "id";

    private static readonly RedisValue[] CloudEventTypeValues = Enum.GetValues<EventType>().Select(t => (RedisValue)EventCloudEvents.TypeOf(t)).ToArray();
    private static readonly RedisValue[] EventTypeValues = Enum.GetValues<EventType>().Select(t => (RedisValue)EventTypeNames.Name(t)).ToArray();

    private readonly RedisEventSinkOptions _options;
    private readonly ConfigurationOptions _configuration;
    private readonly RedisKey _stream;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private int _disposed;
    private int _down;

    public RedisEventPlugin(RedisEventSinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = options.Validate();
        if (problem is not null || !RedisUrl.TryParse(options.Url, out var configuration, out problem))
        {
            throw new ArgumentException($"Unusable Redis event sink options: {problem}", nameof(options));
        }

        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RedisEventPlugin>();
        _stream = options.Stream;
        configuration.AbortOnConnectFail = false; // start while Redis is down; the multiplexer keeps reconnecting
        configuration.ConnectRetry = 1;
        configuration.ConnectTimeout = 3000;
        configuration.AsyncTimeout = 5000;
        configuration.SyncTimeout = 5000;
        configuration.BacklogPolicy = BacklogPolicy.FailFast; // while disconnected, fail at once: the sink holds and retries
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        configuration.ClientName = "oauth2-actors-events";
        _configuration = configuration;
        Options = options.ToPluginOptions();

        // Connect in the background now, so the first event does not wait for it.
        _ = Connection();
    }

    public string Name => BackendName;

    public EventPluginOptions Options { get; }

    public RedisEventSinkOptions SinkOptions => _options;

    /// <summary>True while the multiplexer has a live connection.</summary>
    public bool IsConnected => _connecting is { IsCompletedSuccessfully: true } c && c.Result.IsConnected;

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => EmitBatchAsync([envelope], cancellationToken);

    public async Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        var connection = await Connection().WaitAsync(cancellationToken);
        if (!connection.IsConnected)
        {
            throw new InvalidOperationException($"Redis at {_options.RedactedUrl} is not connected; reconnecting");
        }

        var database = connection.GetDatabase();
        if (batch.Count == 1)
        {
            await Add(database, batch[0]);
            return;
        }

        // IBatch writes the XADDs contiguously and flushes once: one round trip for the whole batch.
        var pipeline = database.CreateBatch();
        var adds = new Task[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            adds[i] = Add(pipeline, batch[i]);
        }

        pipeline.Execute();
        await Task.WhenAll(adds);
    }

    public async Task<bool> HealthCheckAsync(CancellationToken cancellationToken)
    {
        if (_connecting is not { IsCompletedSuccessfully: true } connecting || !connecting.Result.IsConnected)
        {
            return false;
        }

        try
        {
            await connecting.Result.GetDatabase().PingAsync().WaitAsync(_options.PingTimeout, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
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

        var connecting = _connecting;
        if (connecting is null)
        {
            return;
        }

        try
        {
            // A connection still being made is closed once it is there.
            var connection = await connecting.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await connection.CloseAsync(allowCommandsToComplete: true).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Closing is best effort: the connection may never have been made.
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private Task Add(IDatabaseAsync database, EventEnvelope envelope) =>
        database.StreamAddAsync(
            _stream,
            _options.Format == EventFormat.Envelope ? Fields(envelope) : CloudEventFields(envelope, _options.Source),
            messageId: null,
            maxLength: _options.MaxLength,
            useApproximateMaxLength: _options.MaxLength is not null,
            limit: null,
            trimMode: StreamTrimMode.KeepReferences,
            flags: CommandFlags.None);

    /// <summary>The stream entry's fields for <paramref name="envelope"/>.</summary>
    public static NameValueEntry[] Fields(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return
        [
            new NameValueEntry(EventTypeField, EventTypeValues[(int)envelope.Event.EventType]),
            new NameValueEntry(EventIdField, envelope.Event.Id),
            new NameValueEntry(IdempotencyKeyField, envelope.EffectiveIdempotencyKey),
            new NameValueEntry(CorrelationIdField, envelope.CorrelationId ?? string.Empty),
            new NameValueEntry(ProducerField, envelope.Producer),
            new NameValueEntry(PayloadField, EventJson.SerializeToUtf8(envelope)),
        ];
    }

    /// <summary>The stream entry's fields for <paramref name="envelope"/> in either CloudEvents format, from <paramref name="source"/>.</summary>
    public static NameValueEntry[] CloudEventFields(EventEnvelope envelope, Uri source)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return
        [
            new NameValueEntry(CloudEventTypeField, CloudEventTypeValues[(int)envelope.Event.EventType]),
            new NameValueEntry(CloudEventIdField, envelope.Event.Id),
            new NameValueEntry(CloudEventField, EventCloudEvents.AsArray(EventCloudEvents.Structured(envelope, source))),
        ];
    }

    private Task<ConnectionMultiplexer> Connection()
    {
        var connecting = _connecting;
        if (connecting is not null && !connecting.IsFaulted && !connecting.IsCanceled)
        {
            return connecting;
        }

        lock (_gate)
        {
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
                _connecting = ConnectAsync();
            }

            return _connecting;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
            // Logged once per outage, not once per reconnect attempt.
            connection.ConnectionFailed += (_, e) =>
            {
                if (Interlocked.Exchange(ref _down, 1) == 0)
                {
                    BrokerConnectionLog.Lost(_logger, "Redis", _options.RedactedUrl, $"{e.FailureType}: {e.Exception?.Message}");
                }
            };
            connection.ConnectionRestored += (_, _) =>
            {
                if (Interlocked.Exchange(ref _down, 0) == 1)
                {
                    BrokerConnectionLog.Reconnected(_logger, "Redis", _options.RedactedUrl);
                }
            };
            if (connection.IsConnected)
            {
                BrokerConnectionLog.Connected(_logger, "Redis", _options.RedactedUrl, "stream " + _options.Stream);
            }
            else
            {
                Volatile.Write(ref _down, 1);
                BrokerConnectionLog.NotReachable(_logger, "Redis", _options.RedactedUrl, "not connected yet");
            }

            return connection;
        }
        catch (Exception e)
        {
            BrokerConnectionLog.NotReachable(_logger, "Redis", _options.RedactedUrl, e.Message);
            throw;
        }
    }
}
