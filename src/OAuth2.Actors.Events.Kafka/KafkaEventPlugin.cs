using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OAuth2.Actors.Events.Kafka;

/// <summary>
/// Publishes envelopes to a Kafka topic with Confluent.Kafka: key = the effective idempotency key, value = the
/// envelope JSON, headers <c>event_type</c>, <c>correlation_id</c>, <c>traceparent</c>. A batch is produced at once
/// (librdkafka batches and pipelines it) and completes when every delivery report is in; a failed report fails the
/// batch, which the sink actor retries (<see cref="EventPluginOptions.RetryUntilDelivered"/>), re-producing only
/// the events not yet acknowledged.
/// </summary>
public sealed class KafkaEventPlugin : IEventPlugin, IDisposable
{
    private const string EventTypeHeader = "event_type";
    private const string CorrelationIdHeader = "correlation_id";
    private const string TraceparentHeader = "traceparent";

    private static readonly Dictionary<EventType, byte[]> EventTypeBytes =
        Enum.GetValues<EventType>().ToDictionary(t => t, t => Encoding.UTF8.GetBytes(EventTypeNames.Name(t)));

    private readonly KafkaSinkOptions _options;
    private readonly ProducerConfig _config;
    private readonly ILogger _logger;
    private readonly ProducerLog _log;
    private readonly ConditionalWeakTable<object, Attempt> _attempts = [];
    private readonly Lock _producerLock = new();
    private IProducer<string, byte[]> _producer;
    private IAdminClient _metadata;
    private volatile bool _fatal;
    private bool _disposed;
    private long _produced;
    private long _delivered;
    private long _failedReports;
    private long _rejected;

    private KafkaEventPlugin(KafkaSinkOptions options, ProducerConfig config, bool headers, ILogger logger)
    {
        _options = options;
        _config = config;
        _logger = logger;
        _log = new ProducerLog(logger);
        SendsHeaders = headers;
        Options = new EventPluginOptions
        {
            MaxBatch = options.MaxBatch,
            Parallelism = options.Parallelism,
            RetryUntilDelivered = true,
            MinBackoff = options.MinBackoff,
            MaxBackoff = options.MaxBackoff,
        };
        (_producer, _metadata) = Build();
    }

    public string Name => EventBackends.Kafka;

    public EventPluginOptions Options { get; }

    public string Topic => _options.Topic;

    /// <summary>False against a broker older than 0.11 (see <see cref="Create"/>): the envelope JSON still carries every field.</summary>
    public bool SendsHeaders { get; }

    public bool Idempotent => string.Equals(_config.Get("enable.idempotence"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Messages handed to librdkafka (a retried batch counts again for the events it re-sends).</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>Delivery reports that said delivered.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Delivery reports that said failed (the batch is retried by the sink).</summary>
    public long FailedReports => Interlocked.Read(ref _failedReports);

    /// <summary>Events the broker or librdkafka refused for good (too large, invalid): logged and not retried.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

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

        var config = new ProducerConfig
        {
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
            BatchNumMessages = 10_000,
            BatchSize = 1_000_000,
            MessageTimeoutMs = (int)options.MessageTimeout.TotalMilliseconds,
            QueueBufferingMaxMessages = 1_000_000,
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 2_000,
            SocketKeepaliveEnable = true,
            LogConnectionClose = false,
            // The handler reads the error and persistence status only: no key, value or headers copied back.
            DeliveryReportFields = "status",
        };
        foreach (var (key, value) in options.Config)
        {
            config.Set(key, value);
        }

        // The dedicated settings win over the pass-through.
        foreach (var key in new[] { "bootstrap.servers", "client.id" })
        {
            if (options.Config.ContainsKey(key))
            {
                LogOverridden(logger, key, key == "client.id" ? KafkaSinkOptions.ClientIdKey : KafkaSinkOptions.BrokersKey, null);
            }
        }

        config.BootstrapServers = options.Brokers;
        config.ClientId = options.ClientId;

        var (legacy, fallback, problem) = LegacyBroker(config);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (legacy)
        {
            config.EnableIdempotence = false;
            LogLegacyBroker(logger, fallback, config.Get("api.version.request") ?? "true", config.Get("acks") is "-1" or null ? "all" : config.Get("acks")!, null);
        }

        var messageTimeout = config.Get("delivery.timeout.ms") ?? config.Get("message.timeout.ms");
        if (int.TryParse(messageTimeout, NumberStyles.Integer, CultureInfo.InvariantCulture, out var timeoutMs) && timeoutMs >= options.PluginTimeout.TotalMilliseconds)
        {
            LogLongMessageTimeout(logger, timeoutMs, (int)options.PluginTimeout.TotalMilliseconds, null);
        }

        try
        {
            var plugin = new KafkaEventPlugin(options, config, headers: !legacy, logger);
            LogCreated(logger, options.Topic, options.Brokers, options.ClientId, plugin.Idempotent, plugin.SendsHeaders, string.Join(",", options.Config.Keys), null);
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
            LogCloseTimeout(_logger, null);
        }
    }

    /// <summary>
    /// Produces the events of <paramref name="batch"/> not yet acknowledged in an earlier attempt of the same batch
    /// (the sink retries the same batch object), and completes when each has its delivery report.
    /// </summary>
    private async Task Send(object key, IReadOnlyList<EventEnvelope> batch, CancellationToken cancellationToken)
    {
        var attempt = new Attempt(this, batch.Count);
        Attempt? previous = null;
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
                    Interlocked.Increment(ref _produced);
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's queue is full: it drains as reports arrive.
                    await Task.Delay(5, cancellationToken);
                }
                catch (ProduceException<string, byte[]> e) when (IsPermanent(e.Error.Code))
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
                LogReplaced(_logger, null);
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

    private static bool IsPermanent(ErrorCode code) => code is ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsgSize
        or ErrorCode.InvalidMsg or ErrorCode.Local_BadMsg or ErrorCode.InvalidRecord or ErrorCode.Local_KeySerialization
        or ErrorCode.Local_ValueSerialization or ErrorCode.Local_InvalidArg;

    private static (bool Legacy, string Fallback, string? Problem) LegacyBroker(ProducerConfig config)
    {
        var explicitFallback = config.Get("broker.version.fallback");
        var fallback = explicitFallback ?? "0.10.0";
        var apiVersionRequest = config.Get("api.version.request") ?? "true";
        if (!Version.TryParse(fallback, out var version))
        {
            return (false, fallback, "broker.version.fallback must be a version such as 0.9.0.1");
        }

        var old = version < new Version(0, 11);
        var requestOff = apiVersionRequest.Trim().ToLowerInvariant() is "false" or "0" or "no" or "off";
        return ((explicitFallback is not null && old) || (requestOff && old), fallback, null);
    }

    private static readonly Action<ILogger, string, string, string, Exception?> LogLegacyBroker = LoggerMessage.Define<string, string, string>(
        LogLevel.Warning,
        new EventId(1, "KafkaLegacyBroker"),
        "Kafka sink: broker.version.fallback={Fallback} with api.version.request={ApiVersionRequest} means a broker older than 0.11: it has no idempotent producer and no record headers. Producing WITHOUT idempotence (acks={Acks}; a retried batch may duplicate events downstream: deduplicate by key) and WITHOUT headers (event_type, correlation_id and traceparent are still in the JSON value)");

    private static readonly Action<ILogger, string, string, Exception?> LogOverridden = LoggerMessage.Define<string, string>(
        LogLevel.Warning,
        new EventId(2, "KafkaConfigOverridden"),
        "Kafka sink: {Property} in OAUTH2_EVENTS_KAFKA_CONFIG is ignored; {Variable} sets it");

    private static readonly Action<ILogger, int, int, Exception?> LogLongMessageTimeout = LoggerMessage.Define<int, int>(
        LogLevel.Warning,
        new EventId(3, "KafkaLongMessageTimeout"),
        "Kafka sink: message.timeout.ms={Timeout} is not below the plugin timeout ({PluginTimeout} ms, OAUTH2_EVENTS_PLUGIN_TIMEOUT_MS): the sink gives up waiting on a batch before librdkafka does, and its retry first waits for librdkafka's verdict");

    private static readonly Action<ILogger, string, string, string, bool, bool, string, Exception?> LogCreated = LoggerMessage.Define<string, string, string, bool, bool, string>(
        LogLevel.Information,
        new EventId(4, "KafkaSinkCreated"),
        "Kafka sink: topic {Topic} on {Brokers} as client {ClientId}, idempotent {Idempotent}, headers {Headers}, extra librdkafka settings [{ConfigKeys}]");

    private static readonly Action<ILogger, Exception?> LogReplaced = LoggerMessage.Define(
        LogLevel.Warning,
        new EventId(5, "KafkaProducerReplaced"),
        "Kafka sink: the producer hit a fatal error and was replaced; unacknowledged events are re-sent");

    private static readonly Action<ILogger, Exception?> LogCloseTimeout = LoggerMessage.Define(
        LogLevel.Warning,
        new EventId(7, "KafkaCloseTimeout"),
        "Kafka sink: the producer did not close within 10 s; left behind");

    private static readonly Action<ILogger, string, string, string, Exception?> LogRejected = LoggerMessage.Define<string, string, string>(
        LogLevel.Error,
        new EventId(6, "KafkaEventRejected"),
        "Kafka sink: event {EventId} refused for good ({ErrorCode}: {Reason}); not retried");

    /// <summary>One attempt at a batch: which events are settled (acknowledged or refused for good), and the first error.</summary>
    private sealed class Attempt
    {
        private readonly KafkaEventPlugin _plugin;
        private readonly bool[] _settled;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending = 1; // the producing loop holds one until AllProduced
        private int _failures;
        private Error? _firstError;

        public Attempt(KafkaEventPlugin plugin, int count)
        {
            _plugin = plugin;
            _settled = new bool[count];
        }

        public Task Completion => _done.Task;

        public bool IsSettled(int index) => Volatile.Read(ref _settled[index]);

        public void CarryOver(Attempt previous)
        {
            for (var i = 0; i < _settled.Length; i++)
            {
                _settled[i] = previous.IsSettled(i);
            }
        }

        public Action<DeliveryReport<string, byte[]>> Handler(int index)
        {
            Interlocked.Increment(ref _pending);
            return report =>
            {
                if (report.Error.IsError)
                {
                    if (IsPermanent(report.Error.Code))
                    {
                        Interlocked.Increment(ref _plugin._rejected);
                        Volatile.Write(ref _settled[index], true);
                    }
                    else
                    {
                        Interlocked.Increment(ref _plugin._failedReports);
                        Failed(report.Error);
                    }
                }
                else
                {
                    Interlocked.Increment(ref _plugin._delivered);
                    Volatile.Write(ref _settled[index], true);
                }

                Release();
            };
        }

        public void Reject(int index, EventEnvelope envelope, Error error)
        {
            Interlocked.Increment(ref _plugin._rejected);
            LogRejected(_plugin._logger, envelope.Event.Id, error.Code.ToString(), error.Reason, null);
            Volatile.Write(ref _settled[index], true);
        }

        public void Fail(Error error) => Failed(error);

        public void AllProduced() => Release();

        private void Failed(Error error)
        {
            if (Interlocked.Increment(ref _failures) == 1)
            {
                _firstError = error;
            }
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _pending) != 0)
            {
                return;
            }

            if (Volatile.Read(ref _failures) is var failures and > 0)
            {
                var error = _firstError!;
                _done.TrySetException(new KafkaDeliveryException(failures, _settled.Length, error));
            }
            else
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>librdkafka's own log and error callbacks, into the host's logger, rate-limited while a broker is away.</summary>
    private sealed class ProducerLog(ILogger logger)
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(30);
        private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);

        private static readonly Action<ILogger, string, string, Exception?> LogLibrary = LoggerMessage.Define<string, string>(
            LogLevel.Debug,
            new EventId(10, "Librdkafka"),
            "librdkafka {Facility}: {Message}");

        private static readonly Action<ILogger, string, string, Exception?> LogLibraryWarning = LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            new EventId(11, "LibrdkafkaWarning"),
            "librdkafka {Facility}: {Message}");

        private static readonly Action<ILogger, string, string, bool, Exception?> LogError = LoggerMessage.Define<string, string, bool>(
            LogLevel.Warning,
            new EventId(12, "KafkaProducerError"),
            "Kafka sink producer error {ErrorCode}: {Reason} (fatal {Fatal}); events are held and retried");

        public void Library(LogMessage message)
        {
            // Connection failures come through the error callback too (rate-limited there): only librdkafka's
            // configuration warnings are worth a warning of their own.
            if (message.Facility == "CONFWARN" && ShouldLog("log:" + message.Facility + message.Message))
            {
                LogLibraryWarning(logger, message.Facility, message.Message, null);
            }
            else if (logger.IsEnabled(LogLevel.Debug))
            {
                LogLibrary(logger, message.Facility, message.Message, null);
            }
        }

        public void Error(Error error)
        {
            if (error.IsFatal || ShouldLog("error:" + error.Code.ToString()))
            {
                LogError(logger, error.Code.ToString(), error.Reason, error.IsFatal, null);
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
    }
}

/// <summary>Some delivery reports of a batch said failed; the sink retries the batch (the acknowledged events are not re-sent).</summary>
public sealed class KafkaDeliveryException(int failed, int batch, Error error)
    : Exception(string.Format(CultureInfo.InvariantCulture, "{0} of {1} event(s) not delivered to Kafka: {2} ({3})", failed, batch, error.Reason, error.Code))
{
    public ErrorCode Code { get; } = error.Code;
}
