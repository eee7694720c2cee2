namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>Envelopes for the plugin-level tests.</summary>
public static class TestEnvelopes
{
    public static EventEnvelope Create(EventType type, string? correlationId = null, string? idempotencyKey = null, string? traceparent = null, string producer = "oauth2-actors-tests") =>
        new(
            new AuthEvent(
                Guid.NewGuid().ToString(),
                type,
                DateTimeOffset.UtcNow,
                EventSeverity.Info,
                UserId: null,
                ClientId: "client-1",
                new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "read" },
                Error: null),
            idempotencyKey,
            traceparent,
            Tracestate: null,
            correlationId ?? Guid.NewGuid().ToString("N"),
            producer,
            DateTimeOffset.UtcNow,
            new Dictionary<string, string> { ["source"] = "test" });
}
