using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CloudNative.CloudEvents;
using OAuth2.Actors.Events.CloudEvents;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The CloudEvents mapping of an envelope (docs/cloudevents.md), read back with the SDK's JSON formatter.</summary>
public class EventCloudEventsTests
{
    private static readonly Uri Issuer = new("https://auth.example.com");

    // Sub-millisecond ticks on purpose: the CloudEvent's time is the envelope's, to the millisecond.
    private static readonly DateTimeOffset Timestamp = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero).AddTicks(1234);

    private static EventEnvelope Envelope(
        EventType type = EventType.TokenCreated, string? userId = "user-7", string? clientId = "client-1", string? idempotencyKey = "idem-1",
        string? traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", string? tracestate = "vendor=1", string? correlationId = "corr-1",
        EventSeverity severity = EventSeverity.Warning, string? error = null) =>
        new(
            new AuthEvent("evt-" + (int)type, type, Timestamp, severity, userId, clientId, new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "read write" }, error),
            idempotencyKey,
            traceparent,
            tracestate,
            correlationId,
            "oauth2-server",
            Timestamp.AddSeconds(1),
            new Dictionary<string, string> { ["source"] = "test" });

    [Theory]
    [InlineData(EventType.AuthorizationCodeCreated, "com.oauth2actors.authorization_code.created")]
    [InlineData(EventType.AuthorizationCodeValidated, "com.oauth2actors.authorization_code.validated")]
    [InlineData(EventType.AuthorizationCodeExpired, "com.oauth2actors.authorization_code.expired")]
    [InlineData(EventType.TokenCreated, "com.oauth2actors.token.created")]
    [InlineData(EventType.TokenValidated, "com.oauth2actors.token.validated")]
    [InlineData(EventType.TokenRevoked, "com.oauth2actors.token.revoked")]
    [InlineData(EventType.TokenExpired, "com.oauth2actors.token.expired")]
    [InlineData(EventType.ClientRegistered, "com.oauth2actors.client.registered")]
    [InlineData(EventType.ClientValidated, "com.oauth2actors.client.validated")]
    [InlineData(EventType.ClientDeleted, "com.oauth2actors.client.deleted")]
    [InlineData(EventType.UserAuthenticated, "com.oauth2actors.user.authenticated")]
    [InlineData(EventType.UserAuthenticationFailed, "com.oauth2actors.user.authentication_failed")]
    [InlineData(EventType.UserLogout, "com.oauth2actors.user.logout")]
    public void TypeOf_must_give_the_documented_reverse_DNS_type(EventType type, string expected)
    {
        Assert.Equal(expected, EventCloudEvents.TypeOf(type));
        Assert.Equal(expected, EventCloudEvents.ToCloudEvent(Envelope(type), Issuer).Type);
    }

    [Fact]
    public void TypeOf_must_give_each_of_the_14_event_types_its_own_type_that_keeps_its_snake_case_name()
    {
        var types = Enum.GetValues<EventType>();
        Assert.Equal(14, types.Length);
        Assert.Equal(14, types.Select(EventCloudEvents.TypeOf).Distinct(StringComparer.Ordinal).Count());
        foreach (var type in types)
        {
            var name = EventCloudEvents.TypeOf(type);
            Assert.Matches(new Regex("^com\\.oauth2actors\\.[a-z_]+\\.[a-z_]+$"), name);
            Assert.Equal(EventTypeNames.Name(type), name[EventCloudEvents.TypePrefix.Length..].Replace('.', '_'));
        }
    }

    [Fact]
    public void ToCloudEvent_must_map_every_attribute_of_the_envelope()
    {
        var envelope = Envelope();
        var cloudEvent = EventCloudEvents.ToCloudEvent(envelope, Issuer);

        Assert.True(cloudEvent.IsValid);
        Assert.Equal(CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.Equal("evt-3", cloudEvent.Id);
        Assert.Equal(Issuer, cloudEvent.Source);
        Assert.Equal("com.oauth2actors.token.created", cloudEvent.Type);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), cloudEvent.Time);
        Assert.Equal("user-7", cloudEvent.Subject);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.Same(envelope.Event, cloudEvent.Data);
        Assert.Equal(envelope.Traceparent, cloudEvent["traceparent"]);
        Assert.Equal("vendor=1", cloudEvent["tracestate"]);
        Assert.Equal("corr-1", cloudEvent["correlationid"]);
        Assert.Equal("warning", cloudEvent["severitytext"]);
        Assert.Equal("user-7", cloudEvent["partitionkey"]);
        Assert.Equal("idem-1", cloudEvent["idempotencykey"]);
    }

    [Fact]
    public void ToCloudEvent_must_fall_back_to_the_client_id_for_subject_and_partitionkey_when_there_is_no_user()
    {
        var cloudEvent = EventCloudEvents.ToCloudEvent(Envelope(EventType.ClientValidated, userId: null), Issuer);

        Assert.Equal("client-1", cloudEvent.Subject);
        Assert.Equal("client-1", cloudEvent["partitionkey"]);
    }

    [Fact]
    public void ToCloudEvent_must_leave_out_subject_and_partitionkey_of_an_event_with_neither_user_nor_client()
    {
        var cloudEvent = EventCloudEvents.ToCloudEvent(Envelope(EventType.UserAuthenticationFailed, userId: null, clientId: null), Issuer);

        Assert.True(cloudEvent.IsValid);
        Assert.Null(cloudEvent.Subject);
        Assert.DoesNotContain(cloudEvent.GetPopulatedAttributes(), a => a.Key.Name is "subject" or "partitionkey");
    }

    [Fact]
    public void ToCloudEvent_must_leave_out_the_extensions_whose_value_is_null_and_use_the_event_id_as_idempotencykey()
    {
        var cloudEvent = EventCloudEvents.ToCloudEvent(Envelope(idempotencyKey: null, traceparent: null, tracestate: null, correlationId: null), Issuer);

        var names = cloudEvent.GetPopulatedAttributes().Select(a => a.Key.Name).ToArray();
        Assert.DoesNotContain("traceparent", names);
        Assert.DoesNotContain("tracestate", names);
        Assert.DoesNotContain("correlationid", names);
        Assert.Equal("evt-3", cloudEvent["idempotencykey"]);
        Assert.Equal(
            new[] { "datacontenttype", "id", "idempotencykey", "partitionkey", "severitytext", "source", "subject", "time", "type" },
            names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Data_must_be_the_envelopes_event_object_and_what_the_SDK_formatter_writes_for_the_binary_body()
    {
        var envelope = Envelope(error: "invalid_grant", severity: EventSeverity.Error);

        var data = EventCloudEvents.Data(envelope);

        var inEnvelope = JsonNode.Parse(EventJson.Serialize(envelope))!["event"];
        Assert.True(JsonNode.DeepEquals(inEnvelope, JsonNode.Parse(data.Span)));
        Assert.Equal(data.ToArray(), EventCloudEvents.Formatter.EncodeBinaryModeEventData(EventCloudEvents.ToCloudEvent(envelope, Issuer)).ToArray());
    }

    [Fact]
    public void Structured_must_be_the_document_the_SDK_formatter_writes_for_the_CloudEvent()
    {
        foreach (var envelope in new[] { Envelope(), Envelope(EventType.UserLogout, userId: null, clientId: null, idempotencyKey: null, traceparent: null, tracestate: null, correlationId: null) })
        {
            var ours = EventCloudEvents.Structured(envelope, Issuer);
            var sdk = EventCloudEvents.Formatter.EncodeStructuredModeMessage(EventCloudEvents.ToCloudEvent(envelope, Issuer), out var contentType);

            Assert.Equal(EventCloudEvents.StructuredContentType, contentType.MediaType);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(sdk.Span), JsonNode.Parse(ours.Span)), $"ours: {System.Text.Encoding.UTF8.GetString(ours.Span)}\nsdk: {System.Text.Encoding.UTF8.GetString(sdk.Span)}");
        }
    }

    [Fact]
    public void Structured_must_decode_with_the_SDK_formatter_to_every_attribute_of_the_envelope()
    {
        var envelope = Envelope(EventType.AuthorizationCodeExpired, error: "expired");

        var decoded = EventCloudEvents.Formatter.DecodeStructuredModeMessage(
            EventCloudEvents.Structured(envelope, Issuer), new ContentType(EventCloudEvents.StructuredContentType), EventCloudEvents.ExtensionAttributes);

        Assert.Equal(envelope.Event.Id, decoded.Id);
        Assert.Equal(Issuer, decoded.Source);
        Assert.Equal("com.oauth2actors.authorization_code.expired", decoded.Type);
        Assert.Equal(EventCloudEvents.Time(Timestamp), decoded.Time);
        Assert.Equal("user-7", decoded.Subject);
        Assert.Equal("application/json", decoded.DataContentType);
        foreach (var (name, value) in EventCloudEvents.BinaryAttributes(envelope, Issuer))
        {
            var attribute = decoded.GetAttribute(name);
            Assert.Equal(value, name == "specversion" ? decoded.SpecVersion.VersionId : attribute!.Format(decoded[attribute]!));
        }

        var data = Assert.IsType<JsonElement>(decoded.Data);
        Assert.Equal(envelope.Event.Id, data.GetProperty("id").GetString());
        Assert.Equal("authorization_code_expired", data.GetProperty("event_type").GetString());
        Assert.Equal("2030-01-02T03:04:05.678Z", data.GetProperty("timestamp").GetString());
        Assert.Equal("read write", data.GetProperty("metadata").GetProperty("scope").GetString());
        Assert.Equal("expired", data.GetProperty("error").GetString());
    }

    [Fact]
    public void BinaryAttributes_must_hold_every_context_attribute_but_datacontenttype_as_text()
    {
        var attributes = EventCloudEvents.BinaryAttributes(Envelope(), Issuer).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

        Assert.Equal(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["specversion"] = "1.0",
                ["id"] = "evt-3",
                ["source"] = "https://auth.example.com",
                ["type"] = "com.oauth2actors.token.created",
                ["time"] = "2030-01-02T03:04:05.678Z",
                ["subject"] = "user-7",
                ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                ["tracestate"] = "vendor=1",
                ["correlationid"] = "corr-1",
                ["severitytext"] = "warning",
                ["partitionkey"] = "user-7",
                ["idempotencykey"] = "idem-1",
            },
            attributes);
    }
}
