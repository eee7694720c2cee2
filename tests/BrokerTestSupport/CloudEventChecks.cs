using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents;
using OAuth2.Actors.Events.CloudEvents;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>
/// Reading CloudEvents back as a consumer would: structured mode with the SDK's JSON formatter, binary mode from a
/// transport's headers by the specification's table (every <c>{prefix}{name}</c> header an attribute, the content type
/// the <c>datacontenttype</c>, the body the data, decoded by the SDK's formatter), and every attribute checked against
/// the envelope the sink was given.
/// </summary>
public static class CloudEventChecks
{
    public static readonly Uri Source = new("https://issuer.cloudevents.test");

    /// <summary>An envelope with every optional part set: user, client, trace context, correlation, key, error.</summary>
    public static EventEnvelope Rich(EventType type = EventType.TokenRevoked) =>
        new(
            new AuthEvent(
                Guid.NewGuid().ToString(),
                type,
                DateTimeOffset.UtcNow,
                EventSeverity.Warning,
                UserId: "user-" + Guid.NewGuid().ToString("N")[..6],
                ClientId: "client-ce",
                new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["scope"] = "openid read" },
                Error: "invalid_grant"),
            "idem-" + Guid.NewGuid().ToString("N")[..8],
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "vendor=ce",
            "corr-" + Guid.NewGuid().ToString("N")[..8],
            "oauth2-actors-tests",
            DateTimeOffset.UtcNow,
            new Dictionary<string, string> { ["source"] = "test" });

    /// <summary>An envelope with none of the optional parts: no user, client, trace context, correlation or key.</summary>
    public static EventEnvelope Bare(EventType type = EventType.UserAuthenticationFailed) =>
        new(
            new AuthEvent(Guid.NewGuid().ToString(), type, DateTimeOffset.UtcNow, EventSeverity.Info, null, null, new Dictionary<string, string>(), null),
            null,
            null,
            null,
            null,
            "oauth2-actors-tests",
            DateTimeOffset.UtcNow,
            new Dictionary<string, string>());

    public static CloudEvent FromStructured(ReadOnlyMemory<byte> body, string? contentType = EventCloudEvents.StructuredContentType)
    {
        Assert.Equal(EventCloudEvents.StructuredContentType, contentType);
        return EventCloudEvents.Formatter.DecodeStructuredModeMessage(body, new ContentType(contentType!), EventCloudEvents.ExtensionAttributes);
    }

    /// <summary>A binary-mode message: <paramref name="headers"/> (name, UTF-8 value) with <paramref name="prefix"/> are the attributes.</summary>
    public static CloudEvent FromBinary(IEnumerable<KeyValuePair<string, byte[]>> headers, string prefix, string? contentType, ReadOnlyMemory<byte> body)
    {
        var attributes = headers
            .Where(h => h.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(h => h.Key[prefix.Length..], h => Encoding.UTF8.GetString(h.Value), StringComparer.Ordinal);
        Assert.True(attributes.Remove("specversion", out var version), $"no {prefix}specversion header");
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.FromVersionId(version) ?? throw new InvalidOperationException($"unknown specversion {version}"), EventCloudEvents.ExtensionAttributes);
        Assert.False(attributes.ContainsKey("datacontenttype"), "datacontenttype travels as the content type, not as a header");
        cloudEvent.DataContentType = contentType;
        foreach (var (name, value) in attributes)
        {
            cloudEvent.SetAttributeFromString(name, value);
        }

        EventCloudEvents.Formatter.DecodeBinaryModeEventData(body, cloudEvent);
        return cloudEvent;
    }

    /// <summary>Every attribute of <paramref name="decoded"/> against <paramref name="envelope"/> (docs/cloudevents.md).</summary>
    public static void AssertMatches(EventEnvelope envelope, CloudEvent decoded, Uri? source = null)
    {
        var e = envelope.Event;
        var subject = e.UserId ?? e.ClientId;
        Assert.True(decoded.IsValid, "the decoded CloudEvent lacks a required attribute");
        Assert.Equal(CloudEventsSpecVersion.V1_0, decoded.SpecVersion);
        Assert.Equal(e.Id, decoded.Id);
        Assert.Equal(source ?? Source, decoded.Source);
        Assert.Equal(EventCloudEvents.TypeOf(e.EventType), decoded.Type);
        Assert.Equal(e.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), decoded.Time!.Value.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.Zero, decoded.Time!.Value.Offset);
        Assert.Equal(subject, decoded.Subject);
        Assert.Equal("application/json", decoded.DataContentType);
        Assert.Equal(envelope.Traceparent, decoded["traceparent"]);
        Assert.Equal(envelope.Tracestate, decoded["tracestate"]);
        Assert.Equal(envelope.CorrelationId, decoded["correlationid"]);
        Assert.Equal(EventSeverityNames.Name(e.Severity), decoded["severitytext"]);
        Assert.Equal(subject, decoded["partitionkey"]);
        Assert.Equal(envelope.EffectiveIdempotencyKey, decoded["idempotencykey"]);
        var expectedNames = new[] { "id", "source", "type", "time", "datacontenttype", "severitytext", "idempotencykey" }
            .Concat(subject is null ? [] : new[] { "subject", "partitionkey" })
            .Concat(envelope.Traceparent is null ? [] : new[] { "traceparent" })
            .Concat(envelope.Tracestate is null ? [] : new[] { "tracestate" })
            .Concat(envelope.CorrelationId is null ? [] : new[] { "correlationid" });
        Assert.Equal(expectedNames.Order(StringComparer.Ordinal), decoded.GetPopulatedAttributes().Select(a => a.Key.Name).Order(StringComparer.Ordinal));

        // data: the envelope's event object, as the envelope JSON writes it.
        var data = Assert.IsType<System.Text.Json.JsonElement>(decoded.Data);
        var expected = System.Text.Json.Nodes.JsonNode.Parse(EventJson.Serialize(envelope))!["event"];
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, System.Text.Json.Nodes.JsonNode.Parse(data.GetRawText())), $"data differs from the event:\n{data.GetRawText()}\n{expected}");
    }
}
