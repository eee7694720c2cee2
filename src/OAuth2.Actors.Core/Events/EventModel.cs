using System.Text.Json.Serialization;

namespace OAuth2.Actors.Events;

/// <summary>The 13 security-relevant operations, snake_case on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventType>))]
public enum EventType
{
    [JsonStringEnumMemberName("authorization_code_created")] AuthorizationCodeCreated,
    [JsonStringEnumMemberName("authorization_code_validated")] AuthorizationCodeValidated,
    [JsonStringEnumMemberName("authorization_code_expired")] AuthorizationCodeExpired,
    [JsonStringEnumMemberName("token_created")] TokenCreated,
    [JsonStringEnumMemberName("token_validated")] TokenValidated,
    [JsonStringEnumMemberName("token_revoked")] TokenRevoked,
    [JsonStringEnumMemberName("token_expired")] TokenExpired,
    [JsonStringEnumMemberName("client_registered")] ClientRegistered,
    [JsonStringEnumMemberName("client_validated")] ClientValidated,
    [JsonStringEnumMemberName("client_deleted")] ClientDeleted,
    [JsonStringEnumMemberName("user_authenticated")] UserAuthenticated,
    [JsonStringEnumMemberName("user_authentication_failed")] UserAuthenticationFailed,
    [JsonStringEnumMemberName("user_logout")] UserLogout,

    /// <summary>A client's configuration or status changed: its metadata replaced (RFC 7592), or an admin disabled or enabled it.</summary>
    [JsonStringEnumMemberName("client_updated")] ClientUpdated,
}

[JsonConverter(typeof(JsonStringEnumConverter<EventSeverity>))]
public enum EventSeverity
{
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("warning")] Warning,
    [JsonStringEnumMemberName("error")] Error,
    [JsonStringEnumMemberName("critical")] Critical,
}

public static class EventTypeNames
{
    private static readonly Dictionary<string, EventType> ByName = Enum.GetValues<EventType>().ToDictionary(Name, t => t, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => ByName.Keys;

    public static string Name(EventType type) => type switch
    {
        EventType.AuthorizationCodeCreated => "authorization_code_created",
        EventType.AuthorizationCodeValidated => "authorization_code_validated",
        EventType.AuthorizationCodeExpired => "authorization_code_expired",
        EventType.TokenCreated => "token_created",
        EventType.TokenValidated => "token_validated",
        EventType.TokenRevoked => "token_revoked",
        EventType.TokenExpired => "token_expired",
        EventType.ClientRegistered => "client_registered",
        EventType.ClientValidated => "client_validated",
        EventType.ClientDeleted => "client_deleted",
        EventType.UserAuthenticated => "user_authenticated",
        EventType.UserAuthenticationFailed => "user_authentication_failed",
        EventType.UserLogout => "user_logout",
        EventType.ClientUpdated => "client_updated",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? name, out EventType type) => ByName.TryGetValue(name?.Trim() ?? string.Empty, out type);
}

/// <summary>The severities' wire names, as <see cref="EventSeverity"/>'s JSON form writes them.</summary>
public static class EventSeverityNames
{
    public static string Name(EventSeverity severity) => severity switch
    {
        EventSeverity.Info => "info",
        EventSeverity.Warning => "warning",
        EventSeverity.Error => "error",
        EventSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity)),
    };
}

/// <summary>One security-relevant operation (the seed's <c>event</c> object).</summary>
public sealed record AuthEvent(
    string Id,
    EventType EventType,
    DateTimeOffset Timestamp,
    EventSeverity Severity,
    string? UserId,
    string? ClientId,
    IReadOnlyDictionary<string, string> Metadata,
    string? Error);

// Handed to this node's sinks (on its own by the EventSinkRelay), never to another node: no serialization check.
/// <summary>The transport-ready envelope, exactly the seed's shape (snake_case on the wire).</summary>
public sealed record EventEnvelope(
    AuthEvent Event,
    string? IdempotencyKey,
    string? Traceparent,
    string? Tracestate,
    string? CorrelationId,
    string Producer,
    DateTimeOffset ProducedAt,
    IReadOnlyDictionary<string, string> Attributes) : INoSerializationVerificationNeeded
{
    /// <summary>What deduplicates this event downstream: the idempotency key, else the event id.</summary>
    [JsonIgnore]
    public string EffectiveIdempotencyKey => IdempotencyKey ?? Event.Id;
}
