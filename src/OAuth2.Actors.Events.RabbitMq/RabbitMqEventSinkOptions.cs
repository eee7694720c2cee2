using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace OAuth2.Actors.Events.RabbitMq;

/// <summary>
/// Where and how the RabbitMQ sink publishes: a durable topic exchange, a routing key template with an
/// <c>{event_type}</c> placeholder. Bound from OAUTH2_EVENTS_RABBIT_URL, OAUTH2_EVENTS_RABBIT_EXCHANGE,
/// OAUTH2_EVENTS_RABBIT_ROUTING_KEY and OAUTH2_EVENTS_SINK_RABBIT_FORMAT.
/// </summary>
public sealed record RabbitMqEventSinkOptions : BrokerSinkOptions, IBrokerSinkOptions<RabbitMqEventSinkOptions>
{
    public const string UrlKey = "OAUTH2_EVENTS_RABBIT_URL";
    public const string ExchangeKey = "OAUTH2_EVENTS_RABBIT_EXCHANGE";
    public const string RoutingKeyKey = "OAUTH2_EVENTS_RABBIT_ROUTING_KEY";
    public const string DefaultUrl = "amqp://guest:guest@localhost:5672/%2f";
    public const string EventTypePlaceholder = "{event_type}";

    /// <summary>512 messages published (and their confirms awaited) in one plugin call, 2 batches in flight on the channel.</summary>
    public RabbitMqEventSinkOptions()
        : base(maxBatch: 512, parallelism: 2, minBackoff: TimeSpan.FromMilliseconds(250), maxBackoff: TimeSpan.FromSeconds(5))
    {
    }

    public static string BackendName => RabbitMqEventPlugin.BackendName;

    public static IReadOnlyList<string> BackendAliases => ["rabbitmq"];

    /// <summary><c>amqp://user:password@host:port/vhost</c> (<c>%2f</c> is the default vhost), or <c>amqps://</c>.</summary>
    public string Url { get; init; } = DefaultUrl;

    public string Exchange { get; init; } = "oauth2.events";

    /// <summary>The routing key; <c>{event_type}</c> becomes the event's type (<c>auth.token_created</c>).</summary>
    public string RoutingKey { get; init; } = "auth." + EventTypePlaceholder;

    /// <summary>How long automatic recovery waits between reconnection attempts.</summary>
    public TimeSpan RecoveryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The URL with its password replaced by <c>***</c>: the only form that may be logged.</summary>
    public string RedactedUrl => Redact(Url);

    public static (RabbitMqEventSinkOptions? Options, string? Problem) FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!TryFormat(configuration, BackendName, BackendAliases, out var format, out var source, out var problem))
        {
            return (null, problem);
        }

        var defaults = new RabbitMqEventSinkOptions();
        var options = defaults with
        {
            Url = TextOrDefault(configuration, UrlKey, defaults.Url),
            // Set but blank is kept (and refused by Validate): an empty exchange is a mistake, not a default.
            Exchange = configuration[ExchangeKey]?.Trim() ?? defaults.Exchange,
            RoutingKey = configuration[RoutingKeyKey]?.Trim() ?? defaults.RoutingKey,
            Format = format,
            Source = source,
        };
        return Checked(options, options.Validate());
    }

    public (IEventPlugin? Plugin, string? Problem) CreatePlugin(ILoggerFactory loggerFactory) =>
        Validate() is { } problem ? (null, problem) : (new RabbitMqEventPlugin(this, loggerFactory), null);

    /// <summary>Null when usable, else what is wrong (never quoting a password).</summary>
    public string? Validate()
    {
        if (string.IsNullOrEmpty(Exchange))
        {
            return $"{ExchangeKey} is empty (the default exchange cannot be declared as a topic exchange)";
        }

        if (Exchange.Length > 255 || Exchange.StartsWith("amq.", StringComparison.Ordinal))
        {
            return $"{ExchangeKey} must be at most 255 characters and not start with 'amq.' (reserved): '{Exchange}'";
        }

        if (string.IsNullOrEmpty(RoutingKey))
        {
            return $"{RoutingKeyKey} is empty";
        }

        if (EventTypeNames.All.Max(t => Encoding.UTF8.GetByteCount(RoutingKeyFor(t))) > 255)
        {
            return $"{RoutingKeyKey} is longer than 255 bytes once {EventTypePlaceholder} is replaced";
        }

        return ValidateBatching() ?? (TryCreateFactory(out _, out var problem) ? null : problem);
    }

    /// <summary>The routing key of an event of type <paramref name="eventType"/> (a snake_case name).</summary>
    public string RoutingKeyFor(string eventType) => RoutingKey.Replace(EventTypePlaceholder, eventType, StringComparison.Ordinal);

    /// <summary>A connection factory for <see cref="Url"/> with automatic connection and topology recovery.</summary>
    public bool TryCreateFactory(out ConnectionFactory factory, out string? problem)
    {
        factory = new ConnectionFactory();
        problem = null;
        if (!BrokerUrl.TryParse(Url, UrlKey, "amqp://user:password@host:port/vhost", ["amqp", "amqps"], loneUserInfoIsSecret: false, out var uri, out problem))
        {
            return false;
        }

        if (uri.Segments.Length > 2)
        {
            problem = $"{UrlKey}: the path must be one vhost segment (%2f for '/'): '{RedactedUrl}'";
            return false;
        }

        try
        {
            factory.Uri = uri;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
        {
            problem = $"{UrlKey} cannot be used ({e.GetType().Name}): '{RedactedUrl}'";
            return false;
        }

        factory.AutomaticRecoveryEnabled = true;
        factory.TopologyRecoveryEnabled = true;
        factory.NetworkRecoveryInterval = RecoveryInterval;
        factory.RequestedConnectionTimeout = TimeSpan.FromSeconds(5);
        factory.RequestedHeartbeat = TimeSpan.FromSeconds(15);
        factory.ClientProvidedName = "oauth2-actors-events";
        // Nagle's algorithm on: the sink publishes a batch back to back and the client library sends each message
        // with its own write; coalescing them into full segments saves the broker a read per message.
        factory.SocketFactory = family => new TcpClientAdapter(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = false });
        return true;
    }

    /// <summary>The URL with its password replaced by <c>***</c> (a lone user-info part is the user name, kept).</summary>
    public static string Redact(string? url) => BrokerUrl.Redact(url, loneUserInfoIsSecret: false);
}
