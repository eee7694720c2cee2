namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// What one delivery sends for an event in an endpoint's format: the body (the exact bytes the signature covers), its
/// content type, and the format's own headers (CloudEvents binary mode: <c>ce-*</c>). The same for every attempt.
/// </summary>
internal sealed record WebhookPayload(ReadOnlyMemory<byte> Body, string ContentType, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public const string Json = "application/json";

    public static WebhookPayload Of(EventEnvelope envelope, EventFormat format, Uri source) => format switch
    {
        EventFormat.Envelope => new WebhookPayload(EventJson.SerializeToUtf8(envelope), Json, []),
        _ => throw new NotSupportedException("CloudEvents formats arrive with the CloudEvents mapping."),
    };
}
