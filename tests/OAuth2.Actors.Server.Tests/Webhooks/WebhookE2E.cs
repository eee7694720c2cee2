using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>
/// A server with the webhook sink on (in_memory,webhook), http and loopback endpoints allowed, a short retry schedule
/// (1s,1s,2s: four attempts) and a 2 s timeout, started once per test class together with a <see cref="WebhookReceiver"/>
/// it delivers to. Each test creates its own endpoint on its own receiver path and deletes it at the end.
/// </summary>
public class WebhookServerFixture : IAsyncLifetime
{
    public const string RetrySchedule = "1s,1s,2s";

    private TestHost? _host;
    private WebhookReceiver? _receiver;

    public string DataDirectory { get; } = DataDirectories.New();

    public TestHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    public WebhookReceiver Receiver => _receiver ?? throw new InvalidOperationException("The receiver is not started.");

    public async Task InitializeAsync()
    {
        try
        {
            _receiver = await WebhookReceiver.Start();
            _host = await TestHost.Start(DataDirectory, Settings(_receiver), kestrel: Kestrel);
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        DataDirectories.Delete(DataDirectory);
    }

    /// <summary>On a real Kestrel socket on a loopback port (for a real browser) instead of in memory.</summary>
    protected virtual bool Kestrel => false;

    /// <summary>The server's settings (OAUTH2_* names) once the receiver runs.</summary>
    protected virtual Dictionary<string, string?> Settings(WebhookReceiver receiver) => new()
    {
        ["OAUTH2_EVENTS_BACKEND"] = "in_memory,webhook",
        ["OAUTH2_WEBHOOKS_ALLOW_HTTP"] = "true",
        ["OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = "true",
        ["OAUTH2_WEBHOOKS_RETRY_SCHEDULE"] = RetrySchedule,
        ["OAUTH2_WEBHOOKS_TIMEOUT_SECONDS"] = "2",
    };
}

/// <summary>The admin API of webhooks (/admin/api/webhooks) as the admin, and the checks every delivery suite makes.</summary>
public static class WebhookE2E
{
    public const string Path = "/admin/api/webhooks";

    /// <summary>A receiver path of its own for one test (its behaviour is set per path).</summary>
    public static string NewPath(string name) => $"/{name}/{Guid.NewGuid():N}";

    /// <summary>POST /admin/api/webhooks: asserts 201; the endpoint's id, its secret (shown once) and the body.</summary>
    public static async Task<CreatedWebhook> CreateWebhook(this TestHost host, string url, string[]? eventTypes = null, string? format = null, bool? enabled = null)
    {
        var body = new JsonObject { ["url"] = url };
        if (eventTypes is not null)
        {
            body["event_types"] = new JsonArray(eventTypes.Select(t => (JsonNode)t).ToArray());
        }

        if (format is not null)
        {
            body["format"] = format;
        }

        if (enabled is not null)
        {
            body["enabled"] = enabled.Value;
        }

        var (status, json) = await host.SendJson(HttpMethod.Post, Path, body);
        Assert.True(status == HttpStatusCode.Created, $"POST {Path} answered {(int)status}: {json}");
        var secret = json.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        return new CreatedWebhook(json.GetProperty("id").GetString()!, secret, json);
    }

    public static async Task<JsonElement> GetWebhook(this TestHost host, string id)
    {
        var (status, json) = await host.SendJson(HttpMethod.Get, $"{Path}/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET {Path}/{id} answered {(int)status}: {json}");
        return json;
    }

    public static async Task<JsonElement> UpdateWebhook(this TestHost host, string id, JsonObject changes)
    {
        var (status, json) = await host.SendJson(HttpMethod.Put, $"{Path}/{id}", changes);
        Assert.True(status == HttpStatusCode.OK, $"PUT {Path}/{id} answered {(int)status}: {json}");
        return json;
    }

    /// <summary>DELETE /admin/api/webhooks/{id}: the status (204 when deleted).</summary>
    public static async Task<HttpStatusCode> DeleteWebhook(this TestHost host, string id)
    {
        using var response = await host.Send(HttpMethod.Delete, $"{Path}/{id}", await host.AdminToken());
        return response.StatusCode;
    }

    /// <summary>POST .../rotate-secret: asserts 201; the new secret.</summary>
    public static async Task<string> RotateSecret(this TestHost host, string id)
    {
        var (status, json) = await host.SendJson(HttpMethod.Post, $"{Path}/{id}/rotate-secret", null);
        Assert.True(status == HttpStatusCode.Created, $"POST {Path}/{id}/rotate-secret answered {(int)status}: {json}");
        return json.GetProperty("secret").GetString()!;
    }

    /// <summary>GET .../attempts (of one event when given), newest first.</summary>
    public static async Task<IReadOnlyList<JsonElement>> Attempts(this TestHost host, string id, string? eventId = null)
    {
        var query = eventId is null ? "?limit=100" : $"?limit=100&event_id={Uri.EscapeDataString(eventId)}";
        var (status, json) = await host.SendJson(HttpMethod.Get, $"{Path}/{id}/attempts{query}");
        Assert.True(status == HttpStatusCode.OK, $"GET {Path}/{id}/attempts answered {(int)status}: {json}");
        return json.GetProperty("attempts").EnumerateArray().Select(a => a.Clone()).ToArray();
    }

    /// <summary>Waits until the attempts log of <paramref name="eventId"/> satisfies <paramref name="done"/>; oldest first.</summary>
    public static async Task<IReadOnlyList<JsonElement>> WaitForAttempts(this TestHost host, string id, string eventId, Func<IReadOnlyList<JsonElement>, bool> done, string what, TimeSpan? within = null) =>
        await Eventually.Until(
            async () => (IReadOnlyList<JsonElement>)(await host.Attempts(id, eventId)).Reverse().ToArray(),
            done,
            $"the attempts log of {id} to show {what} for {eventId}",
            within);

    public static Task<(HttpStatusCode Status, JsonElement Body)> Redeliver(this TestHost host, string id, JsonObject body) =>
        host.SendJson(HttpMethod.Post, $"{Path}/{id}/redeliver", body);

    /// <summary>Sends <paramref name="body"/> (or nothing) as the admin: the status and the JSON body (an empty object when there is none).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendJson(this TestHost host, HttpMethod method, string path, JsonNode? body)
    {
        using var response = await host.Send(method, path, await host.AdminToken(), body is null ? null : JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> SendJson(this TestHost host, HttpMethod method, string path) => host.SendJson(method, path, null);

    /// <summary>
    /// A real OAuth2 call that causes an event: a client_credentials token for a new client, with a correlation id
    /// and a traceparent; returns the token_created envelope as GET /events stores it.
    /// </summary>
    public static async Task<JsonElement> TokenCreatedEvent(this TestHost host, RegisteredClient? client = null)
    {
        client ??= await host.Register(scope: "read");
        var correlation = "wh-" + Guid.NewGuid().ToString("N");
        var traceparent = $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01";
        await host.AccessToken(client, correlationId: correlation, traceparent: traceparent);
        return await host.WaitForEvent("token_created", correlation, client.ClientId);
    }

    /// <summary>
    /// Verifies <paramref name="request"/> with the StandardWebhooks package (an implementation of the specification
    /// that is not ours) and <paramref name="secret"/>: throws <see cref="WebhookVerificationException"/> when it fails.
    /// </summary>
    public static void Verify(ReceivedRequest request, string secret, string? body = null, string? signature = null, string? timestamp = null)
    {
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = request.WebhookId,
            ["webhook-timestamp"] = timestamp ?? request.WebhookTimestamp,
            ["webhook-signature"] = signature ?? request.WebhookSignature,
        };
        new StandardWebhook(secret).Verify(body ?? request.BodyText, headers);
    }

    public static bool Verifies(ReceivedRequest request, string secret, string? body = null, string? signature = null, string? timestamp = null)
    {
        try
        {
            Verify(request, secret, body, signature, timestamp);
            return true;
        }
        catch (WebhookVerificationException)
        {
            return false;
        }
    }

    /// <summary>The <c>v1,</c> signatures of the request's <c>webhook-signature</c> header (space separated).</summary>
    public static string[] Signatures(ReceivedRequest request) =>
        (request.WebhookSignature ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static DateTimeOffset TimestampOf(ReceivedRequest request) =>
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(request.WebhookTimestamp!, NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>Asserts the Standard Webhooks headers: id = the event id, a timestamp of this attempt (within a few seconds of its arrival), a verifying signature.</summary>
    public static void AssertSigned(ReceivedRequest request, string eventId, string secret)
    {
        Assert.Equal("POST", request.Method);
        Assert.Equal(eventId, request.WebhookId);
        var sent = TimestampOf(request);
        Assert.InRange(sent, request.At.AddSeconds(-5), request.At.AddSeconds(1));
        Assert.True(Verifies(request, secret), $"the delivery does not verify with its endpoint's secret: {request}, signature {request.WebhookSignature}");
    }

    /// <summary>The single delivery whose id is the event's, once it has arrived.</summary>
    public static async Task<ReceivedRequest> Delivery(this WebhookReceiver receiver, string path, string eventId, int count = 1, TimeSpan? within = null) =>
        (await receiver.WaitFor(r => r.Path == path && r.WebhookId == eventId, count, $"{count} delivery(ies) of {eventId} to {path}", within))[count - 1];

    public static async Task<IReadOnlyList<ReceivedRequest>> Deliveries(this WebhookReceiver receiver, string path, string eventId, int count, TimeSpan? within = null) =>
        await receiver.WaitFor(r => r.Path == path && r.WebhookId == eventId, count, $"{count} delivery(ies) of {eventId} to {path}", within);

    public static string? Str(this JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int? Int(this JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}

/// <summary>An endpoint as POST /admin/api/webhooks answered it (the only time its secret is shown).</summary>
public sealed record CreatedWebhook(string Id, string Secret, JsonElement Body)
{
    public override string ToString() => $"CreatedWebhook {{ Id = {Id}, Secret = (redacted) }}";
}
