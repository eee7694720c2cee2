namespace OAuth2.Actors.Core.Tests;

/// <summary>Envelopes, the fake clock's start and the waiting helper shared by the event pipeline specs.</summary>
internal static class EventSpecSupport
{
    /// <summary>A fixed start for the fake clock.</summary>
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static EventEnvelope Envelope(
        EventType type,
        string? id = null,
        string? clientId = null,
        string? userId = null,
        DateTimeOffset? timestamp = null,
        string? correlationId = null)
    {
        var at = timestamp ?? Start;
        return new EventEnvelope(
            new AuthEvent(id ?? Guid.NewGuid().ToString(), type, at, EventSeverity.Info, userId, clientId, new Dictionary<string, string>(), null),
            null,
            null,
            null,
            correlationId,
            "spec",
            at,
            new Dictionary<string, string> { ["source"] = "internal" });
    }

    /// <summary>A valid ingest body; the <c>with</c> expressions of the tests break one field at a time.</summary>
    public static IncomingEnvelope Incoming(
        string? id = "ext-1",
        string? type = "user_authenticated",
        DateTimeOffset? timestamp = null,
        string? idempotencyKey = null,
        string? traceparent = null) =>
        new(
            new IncomingEvent(id, type, timestamp ?? Start, "info", "user-1", "client-1", new Dictionary<string, string> { ["method"] = "password" }, null),
            idempotencyKey,
            traceparent,
            null,
            null,
            null,
            null,
            null);

    /// <summary>
    /// Polls <paramref name="probe"/> until <paramref name="done"/> holds and returns that value; fails with the last value
    /// when the deadline (20 s unless told: CI machines are shared and busy) passes. The same rule as
    /// OAuth2.Actors.Testing.Eventually in tests/Shared, which this project does not link.
    /// </summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {(within ?? TimeSpan.FromSeconds(20)).TotalSeconds:0.#} s; last seen: {value}");
            }

            await Task.Delay(25);
        }
    }
}
