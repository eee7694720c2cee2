using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>How one attempt ended, as the delivery rules see it.</summary>
internal enum AttemptKind
{
    /// <summary>2xx.</summary>
    Delivered,

    /// <summary>410 Gone: the endpoint is disabled.</summary>
    Gone,

    /// <summary>Any other status (3xx included: redirects are not followed), a connection error or the timeout.</summary>
    Failed,

    /// <summary>Not sent: SSRF protection refused every address of the host.</summary>
    Refused,
}

/// <summary>One attempt's result: the status (when there was a response), an error, the latency, the start of the response body, and a <c>Retry-After</c> (429/503).</summary>
internal sealed record AttemptResult(DateTimeOffset At, AttemptKind Kind, int? Status, string? Error, TimeSpan Latency, string? ResponseBody, TimeSpan? RetryAfter)
{
    /// <summary>No response within the timeout.</summary>
    public bool TimedOut { get; init; }

    /// <summary>The <c>oauth2.status_class</c> of the attempt: <c>2xx</c> to <c>5xx</c>, or <c>timeout</c>, <c>refused</c> (SSRF protection), <c>network_error</c>.</summary>
    public string StatusClass => Status is { } status
        ? status switch { < 200 => "1xx", < 300 => "2xx", < 400 => "3xx", < 500 => "4xx", _ => "5xx" }
        : TimedOut ? "timeout" : Kind == AttemptKind.Refused ? "refused" : "network_error";
}

/// <summary>Signs and POSTs one event to one endpoint, once; never throws for what the endpoint or the network does.</summary>
internal sealed class WebhookSender(HttpMessageInvoker http, WebhookSettings settings, TimeProvider time)
{
    public async Task<AttemptResult> SendAsync(Uri url, IReadOnlyList<byte[]> keys, string eventId, WebhookPayload payload, CancellationToken stopping)
    {
        var at = time.GetUtcNow();
        var timestamp = at.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Version = HttpVersion.Version11 };
        var content = new ReadOnlyMemoryContent(payload.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(payload.ContentType);
        request.Content = content;
        request.Headers.TryAddWithoutValidation(WebhookSigner.IdHeader, eventId);
        request.Headers.TryAddWithoutValidation(WebhookSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSigner.SignatureHeader, WebhookSigner.Sign(eventId, timestamp, payload.Body.Span, keys));
        request.Headers.TryAddWithoutValidation("user-agent", WebhookHttp.UserAgent);
        foreach (var (name, value) in payload.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(settings.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
            var latency = Stopwatch.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            return status switch
            {
                >= 200 and < 300 => new AttemptResult(at, AttemptKind.Delivered, status, null, latency, body, null),
                410 => new AttemptResult(at, AttemptKind.Gone, status, "410 Gone: the endpoint asked to receive nothing more", latency, body, null),
                429 or 503 => new AttemptResult(at, AttemptKind.Failed, status, StatusError(response), latency, body, RetryAfterOf(response)),
                >= 300 and < 400 => new AttemptResult(at, AttemptKind.Failed, status, $"{status} redirect (not followed)", latency, body, null),
                _ => new AttemptResult(at, AttemptKind.Failed, status, StatusError(response), latency, body, null),
            };
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return new AttemptResult(at, AttemptKind.Failed, null, $"timed out after {settings.Timeout.TotalSeconds:0.###} s", Stopwatch.GetElapsedTime(started), null, null) { TimedOut = true };
        }
        catch (HttpRequestException e) when (Find<WebhookAddressRefusedException>(e) is { } refused)
        {
            return new AttemptResult(at, AttemptKind.Refused, null, refused.Message, Stopwatch.GetElapsedTime(started), null, null);
        }
        catch (HttpRequestException e)
        {
            return new AttemptResult(at, AttemptKind.Failed, null, ErrorOf(e), Stopwatch.GetElapsedTime(started), null, null);
        }
        catch (IOException e)
        {
            return new AttemptResult(at, AttemptKind.Failed, null, ErrorOf(e), Stopwatch.GetElapsedTime(started), null, null);
        }
    }

    private static string StatusError(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();

    /// <summary>Retry-After as seconds or as an HTTP date (RFC 9110 10.2.3); null when absent or unreadable.</summary>
    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>At most <see cref="WebhookSettings.ResponseBodyLimit"/> bytes of the body, as text (the rest is drained by the handler on dispose).</summary>
    private static async Task<string?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength == 0)
        {
            return null;
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[WebhookSettings.ResponseBodyLimit];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
        }
    }

    private static string ErrorOf(Exception e)
    {
        var message = new StringBuilder(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message.Append(" (").Append(inner.Message).Append(')');
        }

        return message.ToString();
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
