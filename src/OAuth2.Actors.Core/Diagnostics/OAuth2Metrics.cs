using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OAuth2.Actors.Diagnostics;

/// <summary>
/// The server's own meter, <c>OAuth2.Actors</c> (System.Diagnostics.Metrics; the host exports it with OpenTelemetry).
/// Names and units follow the OpenTelemetry conventions. Every label has a bounded set of values: grant types, RFC 6749
/// error codes, outcomes, event types, sink names (configured, or one per webhook endpoint), never a client, user,
/// token or address, so the number of series does not grow with traffic.
/// </summary>
/// <remarks>
/// One instance per host (created from the host's <see cref="IMeterFactory"/>, which disposes it with the host); the
/// actors reach it through their system (<see cref="OAuth2MetricsSetup"/>). An instrument nobody listens to costs a
/// branch per measurement.
/// </remarks>
public sealed class OAuth2Metrics
{
    public const string MeterName = "OAuth2.Actors";

    /// <summary>Seconds, from a millisecond to five minutes: where an event's delivery falls, from a quiet in-memory sink to one that was down.</summary>
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly Counter<long> _tokenRequests;
    private readonly Counter<long> _clientAuthenticationFailures;
    private readonly Counter<long> _introspections;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _authorizationCodes;
    private readonly Counter<long> _signIns;
    private readonly Counter<long> _serverFailures;
    private readonly Counter<long> _eventsEmitted;
    private readonly Counter<long> _webhookAttempts;
    private readonly ConcurrentDictionary<string, SinkMetrics> _sinks = new(StringComparer.Ordinal);

    public OAuth2Metrics(IMeterFactory factory)
        : this(factory.Create(new MeterOptions(MeterName)))
    {
    }

    private OAuth2Metrics(Meter meter)
    {
        Meter = meter;
        _tokenRequests = meter.CreateCounter<long>("oauth2.token.requests", "{request}", "Token endpoint requests, by grant type and outcome: issued, or the RFC 6749 error code.");
        _clientAuthenticationFailures = meter.CreateCounter<long>("oauth2.client.authentication.failures", "{failure}", "Client authentications refused (invalid_client), by endpoint.");
        _introspections = meter.CreateCounter<long>("oauth2.introspection.requests", "{request}", "Token introspections (RFC 7662), by result: active, inactive, or the error code.");
        _revocations = meter.CreateCounter<long>("oauth2.revocation.requests", "{request}", "Token revocations (RFC 7009), by outcome: revoked, or the error code.");
        _authorizationCodes = meter.CreateCounter<long>("oauth2.authorization_codes", "{code}", "Authorization codes issued, redeemed for tokens, and refused at the token endpoint.");
        _signIns = meter.CreateCounter<long>("oauth2.sign_ins", "{sign_in}", "User sign-ins by method (form: the sign-in page; password: the password grant) and outcome.");
        _serverFailures = meter.CreateCounter<long>("oauth2.server.failures", "{failure}", "Requests that failed because of the server itself (answered server_error).");
        _eventsEmitted = meter.CreateCounter<long>("oauth2.events.emitted", "{event}", "Events emitted (or ingested) on this node, by type, before any filter.");
        _webhookAttempts = meter.CreateCounter<long>("oauth2.webhook.attempts", "{attempt}", "Webhook delivery attempts, by endpoint id and status class (2xx to 5xx, timeout, refused, network_error).");
        Sinks = new SinkInstruments(meter, LatencyBuckets, () => _sinks.Values);
    }

    /// <summary>Measurements nobody collects: for actors run without a host (tests of one actor).</summary>
    public static OAuth2Metrics Disabled { get; } = new(new Meter(MeterName + ".Disabled"));

    /// <summary>The meter, for the host's own instruments (the cluster's).</summary>
    public Meter Meter { get; }

    internal SinkInstruments Sinks { get; }

    public void TokenRequest(string grantType, string outcome) =>
        _tokenRequests.Add(1, new("oauth2.grant_type", grantType), new("oauth2.outcome", outcome));

    public void ClientAuthenticationFailed(string endpoint) =>
        _clientAuthenticationFailures.Add(1, new KeyValuePair<string, object?>("oauth2.endpoint", endpoint));

    public void Introspection(string result) =>
        _introspections.Add(1, new KeyValuePair<string, object?>("oauth2.result", result));

    public void Revocation(string outcome) =>
        _revocations.Add(1, new KeyValuePair<string, object?>("oauth2.outcome", outcome));

    public void AuthorizationCode(string outcome) =>
        _authorizationCodes.Add(1, new KeyValuePair<string, object?>("oauth2.outcome", outcome));

    public void SignIn(string method, bool succeeded) =>
        _signIns.Add(1, new("oauth2.method", method), new("oauth2.outcome", succeeded ? "succeeded" : "failed"));

    public void ServerFailure() => _serverFailures.Add(1);

    public void EventEmitted(string eventType) =>
        _eventsEmitted.Add(1, new KeyValuePair<string, object?>("oauth2.event.type", eventType));

    /// <summary>One attempt to deliver to a webhook endpoint (ids are created by admins: bounded).</summary>
    public void WebhookAttempt(string endpointId, string statusClass) =>
        _webhookAttempts.Add(1, new("oauth2.webhook.endpoint", endpointId), new("oauth2.status_class", statusClass));

    /// <summary>The instruments of one sink, labelled with its name: one per name, shared by whoever delivers to it on this node.</summary>
    public SinkMetrics ForSink(string name) => _sinks.GetOrAdd(name, static (n, instruments) => new SinkMetrics(instruments, n), Sinks);
}

/// <summary>A handle that runs its action once, on the first dispose.</summary>
internal sealed class Unregister(Action remove) : IDisposable
{
    private Action? _remove = remove;

    public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
}

/// <summary>Several handles disposed as one.</summary>
internal sealed class Handles(params IDisposable[] handles) : IDisposable
{
    public void Dispose()
    {
        foreach (var handle in handles)
        {
            handle.Dispose();
        }
    }
}

/// <summary>
/// How the actors of a system reach its host's <see cref="OAuth2Metrics"/>: an Akka setup the host adds to the
/// system (as Akka's own DependencyResolverSetup is added), read with <see cref="OAuth2MetricsExtensions.Metrics"/>.
/// </summary>
public sealed class OAuth2MetricsSetup(OAuth2Metrics metrics) : Akka.Actor.Setup.Setup
{
    public OAuth2Metrics Metrics { get; } = metrics;
}

public static class OAuth2MetricsExtensions
{
    /// <summary>The system's metrics, or <see cref="OAuth2Metrics.Disabled"/> for a system without them (an actor under test).</summary>
    public static OAuth2Metrics Metrics(this ActorSystem system)
    {
        var setup = system.Settings.Setup.Get<OAuth2MetricsSetup>();
        return setup.HasValue ? setup.Value.Metrics : OAuth2Metrics.Disabled;
    }
}
