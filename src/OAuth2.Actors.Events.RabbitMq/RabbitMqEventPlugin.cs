using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OAuth2.Actors.Events.CloudEvents;
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
/// In a CloudEvents format the message follows the CloudEvents AMQP binding (<see cref="Properties"/>, <see cref="Body"/>).
/// Delivery is at least once: a batch retried after a lost connection may repeat messages (consumers deduplicate on
/// <c>message_id</c> or the <c>idempotency_key</c> header).
/// </summary>
public sealed partial class RabbitMqEventPlugin : IEventPlugin, IAsyncDisposable, IDisposable
{
    /// <summary>The sink's name in OAUTH2_EVENTS_BACKEND and on /events/health.</summary>
    public const string BackendName = "rabbit";

    public const string ContentType = "application/json";

    /// <summary>The prefix of the CloudEvents attributes among the headers (the AMQP binding's application properties) in binary mode.</summary>
    public const string CloudEventsHeaderPrefix = "cloudEvents_";

    private static readonly string[] CloudEventsHeaderNames =
        ["specversion", "id", "source", "type", "time", "subject", "traceparent", "tracestate", "correlationid", "severitytext", "partitionkey", "idempotencykey"];

    private static readonly Dictionary<string, string> CloudEventsHeaders = CloudEventsHeaderNames.ToDictionary(n => n, n => CloudEventsHeaderPrefix + n, StringComparer.Ordinal);

    private readonly RabbitMqEventSinkOptions _options;
    private readonly RabbitMqConnection _connection;
    private readonly ILogger _logger;
    private readonly string[] _routingKeys;
    private readonly CachedString _exchangeName;
    private readonly CachedString[] _routingKeyNames;
    private readonly string[] _eventTypes;
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
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RabbitMqEventPlugin>();
        _eventTypes = Enum.GetValues<EventType>().Select(EventTypeNames.Name).ToArray();
        _routingKeys = _eventTypes.Select(options.RoutingKeyFor).ToArray();
        // Encoded once, not on every publish.
        _exchangeName = new CachedString(options.Exchange);
        _routingKeyNames = _routingKeys.Select(k => new CachedString(k)).ToArray();
        Options = options.ToPluginOptions();
        _connection = new RabbitMqConnection(options, factory, _logger, OnReturn);
    }

    public string Name => BackendName;

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

    public bool IsConnected => _connection.IsConnected;

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) => EmitBatchAsync([envelope], cancellationToken);

    public async Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var channel = await _connection.Channel(cancellationToken);
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

        if (_connection.HasConnection)
        {
            return false; // automatic recovery is at work
        }

        try
        {
            await _connection.Channel(cancellationToken);
            return IsConnected;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _connection.DisposeAsync();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// The AMQP properties of the message for <paramref name="envelope"/>. Envelope: headers <c>event_type</c>,
    /// <c>idempotency_key</c>, <c>traceparent</c>. CloudEvents binary: every context attribute a
    /// <c>cloudEvents_{name}</c> header (a string), content type <c>application/json</c>. CloudEvents structured:
    /// content type <c>application/cloudevents+json</c>. Always persistent, <c>message_id</c> = the event id.
    /// </summary>
    public BasicProperties Properties(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return _options.Format switch
        {
            EventFormat.CloudEvents => CloudEventsBinaryProperties(envelope),
            EventFormat.CloudEventsStructured => new BasicProperties
            {
                ContentType = EventCloudEvents.StructuredContentType,
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = envelope.Event.Id,
                CorrelationId = envelope.CorrelationId,
            },
            _ => EnvelopeProperties(envelope),
        };
    }

    /// <summary>The message body for <paramref name="envelope"/>: the envelope JSON, the CloudEvent's data (binary), or the structured CloudEvent.</summary>
    public byte[] Body(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return _options.Format switch
        {
            EventFormat.CloudEvents => EventCloudEvents.AsArray(EventCloudEvents.Data(envelope)),
            EventFormat.CloudEventsStructured => EventCloudEvents.AsArray(EventCloudEvents.Structured(envelope, _options.Source)),
            _ => EventJson.SerializeToUtf8(envelope),
        };
    }

    private BasicProperties EnvelopeProperties(EventEnvelope envelope)
    {
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

    private BasicProperties CloudEventsBinaryProperties(EventEnvelope envelope)
    {
        var headers = new Dictionary<string, object?>(CloudEventsHeaderNames.Length, StringComparer.Ordinal);
        foreach (var (name, value) in EventCloudEvents.BinaryAttributes(envelope, _options.Source))
        {
            headers[CloudEventsHeaders[name]] = value;
        }

        return new BasicProperties
        {
            ContentType = EventCloudEvents.DataContentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = envelope.Event.Id,
            CorrelationId = envelope.CorrelationId,
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
            await channel.BasicPublishAsync(_exchangeName, _routingKeyNames[(int)envelope.Event.EventType], mandatory: true, Properties(envelope), Body(envelope), cancellationToken);
            Interlocked.Increment(ref _published);
        }
        catch (PublishException e) when (e.IsReturn)
        {
            // Unroutable: the broker accepted and returned it (counted and logged by OnReturn). Retrying cannot help.
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ event sink: message {MessageId} was unroutable on exchange {Exchange} with routing key {RoutingKey} ({ReplyCode} {ReplyText}): no queue is bound for it; {Count} unroutable so far")]
    private static partial void LogUnroutable(ILogger logger, string? messageId, string exchange, string routingKey, ushort replyCode, string replyText, long count);
}
