using System.Runtime.CompilerServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// Publishes envelopes to a Kafka topic with Confluent.Kafka: key = the effective idempotency key, value = the
/// envelope JSON, headers <c>event_type</c>, <c>correlation_id</c>, <c>traceparent</c>; or, in a CloudEvents format,
/// the message <see cref="KafkaCloudEventsBinding"/> writes. A batch is produced at once
/// (librdkafka batches and pipelines it) and completes when every delivery report is in; a failed report fails the
/// batch, which the sink actor retries (<see cref="EventPluginOptions.RetryUntilDelivered"/>), re-producing only
/// the events not yet acknowledged.
/// </summary>
public sealed partial class KafkaEventPlugin : IEventPlugin, IDisposable
{
    /// <summary>The sink's name in OAUTH2_EVENTS_BACKEND and on /events/health.</summary>
    public const string BackendName = "kafka";

    private const string EventTypeHeader = "event_type";
    private const string CorrelationIdHeader = "correlation_id";
    private const string TraceparentHeader = "traceparent";

    private static readonly Dictionary<EventType, byte[]> EventTypeBytes =
        Enum.GetValues<EventType>().ToDictionary(t => t, t => Encoding.UTF8.GetBytes(EventTypeNames.Name(t)));

    private readonly KafkaSinkOptions _options;
    private readonly KafkaCloudEventsBinding? _cloudEvents;
    private readonly ProducerConfig _config;
    private readonly ILogger _logger;
    private readonly KafkaProducerLog _log;
    private readonly KafkaDeliveryCounters _counters = new();
    private readonly ConditionalWeakTable<object, KafkaBatchAttempt> _attempts = [];
    private readonly Lock _producerLock = new();
    private IProducer<string, byte[]> _producer;
    private IAdminClient _metadata;
    private volatile bool _fatal;
    private bool _disposed;

    private KafkaEventPlugin(KafkaSinkOptions options, ProducerConfig config, bool headers, ILogger logger)
    {
        _options = options;
        _config = config;
        _logger = logger;
        _log = new KafkaProducerLog(logger);
        SendsHeaders = headers;
        _cloudEvents = options.Format == EventFormat.Envelope ? null : new KafkaCloudEventsBinding(options.Format, options.Source, headers);
        Options = options.ToPluginOptions();
        (_producer, _metadata) = Build();
    }

    public string Name => BackendName;

    public EventPluginOptions Options { get; }

    public string Topic => _options.Topic;

    /// <summary>False against a broker older than 0.11 (see <see cref="Create"/>): the envelope JSON still carries every field.</summary>
    public bool SendsHeaders { get; }

    public bool Idempotent => string.Equals(_config.Get("enable.idempotence"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Messages handed to librdkafka (a retried batch counts again for the events it re-sends).</summary>
    public long Produced => _counters.Produced;

    /// <summary>Delivery reports that said delivered.</summary>
    public long Delivered => _counters.Delivered;

    /// <summary>Delivery reports that said failed (the batch is retried by the sink).</summary>
    public long FailedReports => _counters.FailedReports;

    /// <summary>Events the broker or librdkafka refused for good (too large, invalid): logged and not retried.</summary>
    public long Rejected => _counters.Rejections;

    /// <summary>On /events/health: <c>produced</c>, <c>delivery_reports_ok</c>, <c>delivery_reports_failed</c>, <c>rejected</c>.</summary>
    public IReadOnlyDictionary<string, long> Counters => new Dictionary<string, long>(4, StringComparer.Ordinal)
    {
        ["produced"] = Produced,
        ["delivery_reports_ok"] = Delivered,
        ["delivery_reports_failed"] = FailedReports,
        ["rejected"] = Rejected,
    };

    /// <summary>
    /// Builds the producer from <paramref name="options"/> over the sink's defaults (acks=all, idempotence, small
    /// linger, message.timeout.ms under the plugin timeout). A configuration naming a broker older than 0.11
    /// (broker.version.fallback below 0.11, or api.version.request=false with such a fallback, librdkafka's default
    /// fallback being 0.10.0) turns idempotence and headers off with a warning. Answers the problem instead of a
    /// plugin when librdkafka refuses the configuration.
    /// </summary>
    public static (KafkaEventPlugin? Plugin, string? Problem) Create(KafkaSinkOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        if (options.Validate() is { } invalid)
        {
            return (null, invalid);
        }

        var (config, legacy, problem) = KafkaProducerConfig.For(options, logger);
        if (config is null)
        {
            return (null, problem);
        }

        try
        {
            var plugin = new KafkaEventPlugin(options, config, headers: !legacy, logger);
            LogCreated(logger, options.Topic, options.Brokers, options.ClientId, plugin.Idempotent, plugin.SendsHeaders, EventFormats.Name(options.Format), string.Join(",", options.Config.Keys));
            if (options.Format == EventFormat.CloudEvents && !plugin.SendsHeaders)
            {
                LogStructuredWithoutHeaders(logger);
            }
            return (plugin, null);
        }
        catch (Exception e) when (e is ArgumentException or KafkaException or InvalidOperationException or DllNotFoundException)
        {
            // librdkafka names the property it refuses, and may quote the value: a value is never repeated.
            var reason = options.Config.Values.Where(v => v.Length > 0).Aggregate(e.Message, (message, value) => message.Replace(value, "***", StringComparison.Ordinal));
            return (null, "librdkafka refused the producer configuration: " + reason);
        }
    }

    public Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken) =>
        Send(envelope, [envelope], cancellationToken);

    public Task EmitBatchAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken) =>
        Send(batch, batch, cancellationToken);

    /// <summary>A metadata request for the topic with a short timeout: healthy when a broker answers and the topic is (being) served.</summary>
    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) =>
        Task.Run(
            () =>
            {
                try
                {
                    var metadata = CurrentMetadataClient().GetMetadata(_options.Topic, _options.HealthTimeout);
                    var topic = metadata.Topics.FirstOrDefault(t => t.Topic == _options.Topic);
                    return metadata.Brokers.Count > 0
                        && topic is not null
                        && topic.Error.Code is ErrorCode.NoError or ErrorCode.LeaderNotAvailable;
                }
                catch (Exception e) when (e is KafkaException or ObjectDisposedException)
                {
                    return false;
                }
            },
            cancellationToken);

    public void Dispose()
    {
        IProducer<string, byte[]> producer;
        IAdminClient metadata;
        lock (_producerLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            producer = _producer;
            metadata = _metadata;
        }

        // What librdkafka still holds gets a last chance (the sink's own queue is gone by now). Bounded: a close
        // that hangs inside librdkafka must not hold up the host's shutdown.
        var closing = Task.Run(() =>
        {
            metadata.Dispose();
            try
            {
                producer.Flush(TimeSpan.FromSeconds(5));
            }
            catch (KafkaException)
            {
            }

            producer.Dispose();
        });
        if (!closing.Wait(TimeSpan.FromSeconds(10)))
        {
            LogCloseTimeout(_logger);
        }
    }

    /// <summary>
    /// Produces the events of <paramref name="batch"/> not yet acknowledged in an earlier attempt of the same batch
    /// (the sink retries the same batch object), and completes when each has its delivery report.
    /// </summary>
    private async Task Send(object key, IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        var attempt = new KafkaBatchAttempt(_counters, _logger, batch.Count);
        KafkaBatchAttempt? previous = null;
        lock (_attempts)
        {
            if (_attempts.TryGetValue(key, out previous))
            {
                _attempts.AddOrUpdate(key, attempt);
            }
            else
            {
                _attempts.Add(key, attempt);
            }
        }

        if (previous is not null)
        {
            // The sink gave up on the earlier attempt (an error, or its timeout): wait for librdkafka's verdict on
            // it (message.timeout.ms bounds it) so nothing still in flight is sent twice, then skip what arrived.
            await previous.Completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).WaitAsync(cancellationToken);
            attempt.CarryOver(previous);
        }

        var producer = CurrentProducer();
        for (var i = 0; i < batch.Count; i++)
        {
            if (attempt.IsSettled(i))
            {
                continue;
            }

            var message = ToMessage(batch[i]);
            while (true)
            {
                try
                {
                    producer.Produce(_options.Topic, message, attempt.Handler(i));
                    _counters.ProducedOne();
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's queue is full: it drains as reports arrive.
                    await Task.Delay(5, cancellationToken);
                }
                catch (ProduceException<string, byte[]> e) when (KafkaDeliveryCounters.IsPermanent(e.Error.Code))
                {
                    attempt.Reject(i, batch[i], e.Error);
                    break;
                }
                catch (ProduceException<string, byte[]> e)
                {
                    attempt.Fail(e.Error);
                    break;
                }
            }
        }

        attempt.AllProduced();
        await attempt.Completion.WaitAsync(cancellationToken);
        lock (_attempts)
        {
            if (_attempts.TryGetValue(key, out var current) && ReferenceEquals(current, attempt))
            {
                _attempts.Remove(key);
            }
        }
    }

    private Message<string, byte[]> ToMessage(EventEnvelope envelope)
    {
        if (_cloudEvents is not null)
        {
            return _cloudEvents.ToMessage(envelope);
        }

        var message = new Message<string, byte[]>
        {
            Key = envelope.EffectiveIdempotencyKey,
            Value = EventJson.SerializeToUtf8(envelope),
        };
        if (SendsHeaders)
        {
            var headers = new Headers { { EventTypeHeader, EventTypeBytes[envelope.Event.EventType] } };
            if (envelope.CorrelationId is { } correlation)
            {
                headers.Add(CorrelationIdHeader, Encoding.UTF8.GetBytes(correlation));
            }

            if (envelope.Traceparent is { } traceparent)
            {
                headers.Add(TraceparentHeader, Encoding.UTF8.GetBytes(traceparent));
            }

            message.Headers = headers;
        }

        return message;
    }

    private IProducer<string, byte[]> CurrentProducer()
    {
        if (!_fatal)
        {
            return _producer;
        }

        lock (_producerLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_fatal)
            {
                // An idempotent producer that hit a fatal error (a lost sequence, say) accepts nothing more: replace it.
                var (oldProducer, oldMetadata) = (_producer, _metadata);
                (_producer, _metadata) = Build();
                _fatal = false;
                LogReplaced(_logger);
                _ = Task.Run(() =>
                {
                    oldMetadata.Dispose();
                    oldProducer.Dispose();
                });
            }

            return _producer;
        }
    }

    private IAdminClient CurrentMetadataClient()
    {
        lock (_producerLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _metadata;
        }
    }

    private (IProducer<string, byte[]> Producer, IAdminClient Metadata) Build()
    {
        var producer = new ProducerBuilder<string, byte[]>(_config)
            .SetLogHandler((_, m) => _log.Library(m))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                {
                    _fatal = true;
                }

                _log.Error(e);
            })
            .Build();
        return (producer, new DependentAdminClientBuilder(producer.Handle).Build());
    }

    [LoggerMessage(EventId = 4, EventName = "KafkaSinkCreated", Level = LogLevel.Information, Message = "Kafka sink: topic {Topic} on {Brokers} as client {ClientId}, idempotent {Idempotent}, headers {Headers}, format {Format}, extra librdkafka settings [{ConfigKeys}]")]
    private static partial void LogCreated(ILogger logger, string topic, string brokers, string clientId, bool idempotent, bool headers, string format, string configKeys);

    [LoggerMessage(EventId = 8, EventName = "KafkaCloudEventsStructuredWithoutHeaders", Level = LogLevel.Warning, Message = "Kafka sink: the broker takes no headers (older than 0.11), so CloudEvents binary mode cannot be written; events are written in structured mode instead")]
    private static partial void LogStructuredWithoutHeaders(ILogger logger);

    [LoggerMessage(EventId = 5, EventName = "KafkaProducerReplaced", Level = LogLevel.Warning, Message = "Kafka sink: the producer hit a fatal error and was replaced; unacknowledged events are re-sent")]
    private static partial void LogReplaced(ILogger logger);

    [LoggerMessage(EventId = 7, EventName = "KafkaCloseTimeout", Level = LogLevel.Warning, Message = "Kafka sink: the producer did not close within 10 s; left behind")]
    private static partial void LogCloseTimeout(ILogger logger);
}
