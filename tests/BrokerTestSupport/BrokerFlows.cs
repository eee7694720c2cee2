using Duende.IdentityModel.Client;
using OAuth2.Actors.Testing;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>The OAuth2 flows the broker end-to-end tests drive, and the events they make the server emit.</summary>
public static class BrokerFlows
{
    public const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    public const string Traceparent = "00-" + TraceId + "-00f067aa0ba902b7-01";

    /// <summary>The (correlation id, event type) of every event <see cref="Drive"/> with <paramref name="prefix"/> causes.</summary>
    public static (string Correlation, string Type)[] Expected(string prefix) =>
    [
        (prefix + "-register", "client_registered"),
        (prefix + "-token", "client_validated"),
        (prefix + "-token", "token_created"),
        (prefix + "-introspect", "client_validated"),
        (prefix + "-introspect", "token_validated"),
        (prefix + "-revoke", "client_validated"),
        (prefix + "-revoke", "token_revoked"),
        (prefix + "-introspect-again", "token_validated"),
    ];

    /// <summary>
    /// Registration, client credentials (with <see cref="Traceparent"/>), introspection, revocation, introspection
    /// again, each with its own correlation id starting with <paramref name="prefix"/>; returns the registered client.
    /// </summary>
    public static async Task<RegisteredClient> Drive(TestHost host, string prefix)
    {
        var client = await host.Register(correlationId: prefix + "-register");
        var token = await host.AccessToken(client, correlationId: prefix + "-token", traceparent: Traceparent);
        await Introspect(host, token, prefix + "-introspect", active: true);
        using (var revoked = await host.Revoke(token, client, correlationId: prefix + "-revoke"))
        {
            Assert.False(revoked.IsError, revoked.Raw);
        }

        await Introspect(host, token, prefix + "-introspect-again", active: false);
        return client;
    }

    /// <summary>The in-memory store once it holds every event <see cref="Drive"/> with <paramref name="prefix"/> caused (and <paramref name="also"/>).</summary>
    public static Task<IReadOnlyList<System.Text.Json.JsonElement>> StoredAfterDrive(TestHost host, string prefix, Func<IReadOnlyList<System.Text.Json.JsonElement>, bool>? also = null) =>
        host.StoredEventsWhen(
            stored => Expected(prefix).All(x => stored.Any(e => e.CorrelationId() == x.Correlation && e.Type() == x.Type)) && (also is null || also(stored)),
            $"every event of the {prefix} flows");

    private static async Task Introspect(TestHost host, string token, string correlationId, bool active)
    {
        using TokenIntrospectionResponse response = await host.Introspect(token, correlationId: correlationId);
        Assert.False(response.IsError, response.Raw);
        Assert.Equal(active, response.IsActive);
    }
}
