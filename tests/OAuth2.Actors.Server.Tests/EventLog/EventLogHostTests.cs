using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// What the durable event log's end-to-end tests share: a real server on a real Kestrel socket (restartable on the same
/// data directory and database), envelopes an external producer would send, ingest in parallel, and the sinks' own view.
/// </summary>
public abstract class EventLogHostTests : RestartingHostTests
{
    /// <summary>
    /// The server's own token traffic (the admin's tokens, bearer checks) stays out of the log: what a test reads from
    /// the log or a sink is then only what it sent. Ingested types other than these pass.
    /// </summary>
    protected static readonly (string Key, string? Value)[] QuietLog =
    [
        ("OAUTH2_EVENTS_FILTER_MODE", "exclude"),
        ("OAUTH2_EVENTS_TYPES", "token_created,token_validated,client_validated"),
    ];

    protected static readonly string[] QuietTypes = ["user_authenticated", "user_authentication_failed", "user_logout", "token_revoked", "authorization_code_created"];

    /// <summary>Starts the server on this test's data directory, on Kestrel, with <paramref name="settings"/>; with a <paramref name="destination"/>, as the sink <paramref name="sinkName"/>.</summary>
    protected Task<TestHost> Start(IEnumerable<(string Key, string? Value)> settings, SwitchedDestination? destination = null, string sinkName = "recorder") =>
        TestHost.Start(
            DataDirectory,
            settings.ToDictionary(s => s.Key, s => s.Value),
            destination is null ? null : SwitchedBackend.Services(sinkName, destination),
            kestrel: true);

    /// <summary>An envelope as an external producer sends it to /events/ingest.</summary>
    protected static JsonObject Envelope(string id, string type = "user_authenticated", string severity = "info", string? clientId = null, DateTimeOffset? timestamp = null, string? userId = "user-42") =>
        ExternalEnvelope.Create(id, clientId ?? "ext-client", e =>
        {
            var ev = e["event"]!.AsObject();
            ev["event_type"] = type;
            ev["severity"] = severity;
            ev["user_id"] = userId;
            if (timestamp is { } t)
            {
                ev["timestamp"] = Rfc3339(t);
            }
        });

    protected static string Rfc3339(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Ingests one envelope as the admin (or <paramref name="bearer"/>) and checks it was accepted.</summary>
    protected static async Task IngestAccepted(TestHost host, JsonObject envelope, string? bearer = null, string? idempotencyKey = null)
    {
        using var response = await host.Ingest(envelope.ToJsonString(), bearer ?? await host.AdminToken(), idempotencyKey);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"ingest answered {(int)response.StatusCode}: {body}");
        Assert.Contains("\"accepted\"", body, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ingests <paramref name="envelopes"/> through <paramref name="parallelism"/> concurrent producers. Each producer sends
    /// its share (every <paramref name="parallelism"/>-th envelope) one after the other, each only once the previous was
    /// accepted (so appended): within a producer, log order is send order.
    /// </summary>
    protected static async Task IngestInParallel(TestHost host, IReadOnlyList<JsonObject> envelopes, int parallelism = 16)
    {
        var bearer = await host.AdminToken();
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async worker =>
        {
            for (var i = worker; i < envelopes.Count; i += parallelism)
            {
                await IngestAccepted(host, envelopes[i], bearer);
            }
        }));
    }

    /// <summary>The in_memory sink's plugin in this host: what that sink has received (up to its capacity).</summary>
    protected static InMemoryEventPlugin InMemorySink(TestHost host) =>
        host.Services.GetRequiredService<EventPipelineSetup>().Plugins.OfType<InMemoryEventPlugin>().Single();

    /// <summary>Every envelope the in_memory sink holds, oldest first.</summary>
    protected static IReadOnlyList<EventEnvelope> InMemoryReceived(TestHost host) =>
        InMemorySink(host).Query(new EventQuery(Limit: int.MaxValue)).Reverse().ToArray();

    protected static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N");
}
