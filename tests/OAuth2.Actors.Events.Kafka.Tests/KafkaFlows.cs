using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OAuth2.Actors.Events.Tests.Support;
using Xunit;

namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>The OAuth2 flows the end-to-end tests drive, and the settings of a server with the Kafka sink.</summary>
public static class KafkaFlows
{
    public const string Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    public static Dictionary<string, string?> Settings(string brokers, string topic, string? config = null) => new(StringComparer.Ordinal)
    {
        // in_memory beside kafka: the server's own record of what it emitted, to compare Kafka against.
        ["OAUTH2_EVENTS_BACKEND"] = "kafka,in_memory",
        [KafkaSinkOptions.BrokersKey] = brokers,
        [KafkaSinkOptions.TopicKey] = topic,
        [KafkaSinkOptions.ClientIdKey] = "oauth2-kafka-tests",
        [KafkaSinkOptions.ConfigKey] = config,
    };

    /// <summary>Registration, client credentials (with a traceparent), introspection, revocation, introspection again.</summary>
    /// <summary>The event types <see cref="Drive"/> makes the server emit.</summary>
    public static readonly string[] DrivenTypes = ["client_registered", "client_validated", "token_created", "token_validated", "token_revoked"];

    /// <summary>The in-memory store once it holds every event type <see cref="Drive"/> with <paramref name="prefix"/> caused (and <paramref name="also"/>).</summary>
    public static Task<IReadOnlyList<JsonElement>> StoredAfterDrive(BrokerServerHost host, string prefix, Func<IReadOnlyList<JsonElement>, bool>? also = null) =>
        host.StoredEventsWhen(
            stored => DrivenTypes.All(type => stored.Any(e => e.GetProperty("event").GetProperty("event_type").GetString() == type
                    && e.GetProperty("correlation_id").GetString()?.StartsWith(prefix + "-", StringComparison.Ordinal) == true))
                && (also is null || also(stored)),
            $"every event type of the {prefix} flows");

    public static async Task Drive(BrokerServerHost host, string prefix)
    {
        var client = await host.Register("read", correlationId: prefix + "-register");
        var token = await host.AccessToken(client, prefix + "-token", Traceparent);

        using (var active = await host.Introspect(token, prefix + "-introspect"))
        {
            Assert.False(active.IsError, active.Raw);
            Assert.True(active.IsActive);
        }

        using (var revoked = await host.Revoke(token, client, prefix + "-revoke"))
        {
            Assert.False(revoked.IsError, revoked.Raw);
        }

        using var inactive = await host.Introspect(token, prefix + "-introspect-again");
        Assert.False(inactive.IsError, inactive.Raw);
        Assert.False(inactive.IsActive);
    }

    /// <summary>An external producer's envelope through POST /events/ingest with an Idempotency-Key header.</summary>
    public static async Task<string> Ingest(BrokerServerHost host, string idempotencyKey)
    {
        var eventId = "ext-" + Guid.NewGuid().ToString("N");
        var envelope = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["id"] = eventId,
                ["event_type"] = "user_authenticated",
                ["timestamp"] = "2024-01-15T10:30:00.123Z",
                ["severity"] = "info",
                ["user_id"] = "user-42",
                ["client_id"] = "ext-client",
                ["metadata"] = new JsonObject { ["method"] = "password" },
                ["error"] = null,
            },
            ["idempotency_key"] = null,
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["tracestate"] = null,
            ["correlation_id"] = "ext-correlation",
            ["producer"] = "billing-service",
            ["produced_at"] = "2024-01-15T10:30:00.456Z",
            ["attributes"] = new JsonObject { ["source"] = "external" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest") { Content = JsonContent.Create(envelope) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await host.AdminToken());
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await host.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return eventId;
    }
}
