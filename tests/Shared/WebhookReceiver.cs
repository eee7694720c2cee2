using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Testing;

/// <summary>
/// A real HTTP receiver for webhook deliveries: a small Kestrel app on 127.0.0.1 (a port of its own) that records every
/// request (method, path, headers, body bytes, arrival time, the status it answered) and answers as a test programs it,
/// for every path (<see cref="Respond(WebhookBehaviour)"/>) or for one path (<see cref="Respond(string, WebhookBehaviour)"/>):
/// succeed, fail with any status, 410, 429/503 with <c>Retry-After</c>, a redirect to another path of the receiver
/// (whose requests are recorded too, so a test proves that it was never followed), hang until the sender gives up, or
/// fail the first N attempts of each message and then succeed. Deliveries arrive asynchronously: tests read them through
/// the Wait* methods, which return as soon as the condition holds and fail at a deadline (no sleeps).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>The path deliveries go to unless a test names another.</summary>
    public const string DefaultPath = "/hook";

    private readonly WebApplication _app;
    private readonly bool _record;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, WebhookBehaviour> _byPath = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, string Message), int> _seen = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private WebhookBehaviour _global = WebhookBehaviour.Succeed();
    private long _count;
    private int _hanging;
    private bool _disposed;

    private WebhookReceiver(WebApplication app, bool record)
    {
        _app = app;
        _record = record;
    }

    /// <summary>http://127.0.0.1:{port}, without a trailing slash.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received so far (all of them, whatever they were answered), counted even when not recorded.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Requests that are being held open by <see cref="WebhookBehaviour.Hang"/> right now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    /// <summary>The requests received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Starts a receiver on a loopback port of its own, answering 204 to everything until told otherwise.
    /// <paramref name="record"/> false keeps only <see cref="Count"/> (a benchmark's receiver, which would otherwise
    /// hold every body).
    /// </summary>
    public static async Task<WebhookReceiver> Start(bool record = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, record);
        app.Run(receiver.Handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/'));
        return receiver;
    }

    /// <summary>The absolute URL of <paramref name="path"/> on this receiver.</summary>
    public string Url(string path = DefaultPath) => BaseAddress + path.TrimStart('/');

    /// <summary>How every path without a behaviour of its own answers from now on.</summary>
    public void Respond(WebhookBehaviour behaviour) => _global = behaviour;

    /// <summary>How <paramref name="path"/> answers from now on (overrides the receiver-wide behaviour).</summary>
    public void Respond(string path, WebhookBehaviour behaviour) => _byPath[Normalize(path)] = behaviour;

    /// <summary>Forgets the behaviour of <paramref name="path"/> (the receiver-wide one applies again).</summary>
    public void ResetPath(string path) => _byPath.TryRemove(Normalize(path), out _);

    /// <summary>The requests whose <c>webhook-id</c> is <paramref name="eventId"/>, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> RequestsFor(string eventId) => Requests.Where(r => r.WebhookId == eventId).ToArray();

    /// <summary>The requests to <paramref name="path"/>, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> RequestsTo(string path)
    {
        var normalized = Normalize(path);
        return Requests.Where(r => r.Path == normalized).ToArray();
    }

    /// <summary>Waits until <paramref name="count"/> requests carry <c>webhook-id</c> <paramref name="eventId"/>; returns them all, in arrival order.</summary>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForEvent(string eventId, int count = 1, TimeSpan? within = null) =>
        WaitFor(r => r.WebhookId == eventId, count, $"{count} request(s) with webhook-id {eventId}", within);

    /// <summary>Waits until <paramref name="count"/> requests match <paramref name="match"/>; returns every match, in arrival order.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitFor(Func<ReceivedRequest, bool> match, int count, string what, TimeSpan? within = null)
    {
        var limit = within ?? Eventually.DefaultDeadline;
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            Task changed;
            IReadOnlyList<ReceivedRequest> found;
            lock (_gate)
            {
                changed = _changed.Task;
                found = _requests.Where(match).ToArray();
            }

            if (found.Count >= count)
            {
                return found;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Not within {limit.TotalSeconds:0.#} s: the webhook receiver to get {what} (got {found.Count}; {Describe()})");
            }
        }
    }

    /// <summary>Waits until the receiver has counted at least <paramref name="count"/> requests (recorded or not).</summary>
    public async Task WaitForCount(long count, TimeSpan? within = null)
    {
        var limit = within ?? Eventually.DefaultDeadline;
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (Count >= count)
            {
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Not within {limit.TotalSeconds:0.#} s: the webhook receiver to count {count} requests (counted {Count})");
            }
        }
    }

    /// <summary>Forgets what was received (not the behaviours; the per-message failure counts too).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }

        _seen.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>A short account of what arrived, for failure messages.</summary>
    public string Describe()
    {
        var requests = Requests;
        if (requests.Count == 0)
        {
            return "no requests";
        }

        return $"{requests.Count} request(s): " + string.Join("; ", requests.TakeLast(12).Select(r => r.ToString()));
    }

    private async Task Handle(HttpContext context)
    {
        var at = DateTimeOffset.UtcNow;
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var path = Normalize(request.Path.Value ?? "/");
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? string.Empty).ToArray(), StringComparer.OrdinalIgnoreCase);
        var message = headers.TryGetValue("webhook-id", out var ids) && ids.Length > 0 ? ids[0] : string.Empty;
        var seen = _seen.AddOrUpdate((path, message), 1, (_, n) => n + 1);
        var behaviour = _byPath.TryGetValue(path, out var own) ? own : _global;
        var reply = behaviour.Decide(seen);

        Interlocked.Increment(ref _count);
        if (_record)
        {
            var received = new ReceivedRequest(request.Method, path, request.QueryString.Value ?? string.Empty, headers, buffer.ToArray(), at, seen, reply.Hang ? null : reply.Status);
            lock (_gate)
            {
                _requests.Add(received);
            }
        }

        Signal();

        if (reply.Hang)
        {
            Interlocked.Increment(ref _hanging);
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
                await Task.Delay(reply.HangFor ?? Timeout.InfiniteTimeSpan, linked.Token);
            }
            catch (OperationCanceledException)
            {
                // The sender gave up (its timeout) or the receiver stops: nothing more to answer.
                return;
            }
            finally
            {
                Interlocked.Decrement(ref _hanging);
                Signal();
            }
        }

        context.Response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (reply.Body is { Length: > 0 } body)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(body, context.RequestAborted);
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Normalize(string path) => "/" + path.TrimStart('/');
}

/// <summary>
/// How a <see cref="WebhookReceiver"/> path answers. <see cref="Decide"/> is given the number of this request for its
/// message (its <c>webhook-id</c>, counting from 1 per path), so "fail twice, then succeed" holds per event however
/// many other events arrive in between.
/// </summary>
public sealed class WebhookBehaviour
{
    private readonly Func<int, WebhookReply> _decide;
    private readonly string _name;

    private WebhookBehaviour(string name, Func<int, WebhookReply> decide)
    {
        _name = name;
        _decide = decide;
    }

    /// <summary>Answers <paramref name="status"/> (a 2xx by default: 204).</summary>
    public static WebhookBehaviour Succeed(int status = 204) => Always($"succeed {status}", new WebhookReply(status));

    /// <summary>Answers <paramref name="status"/> with an optional text body (to see it, truncated, in the attempts log).</summary>
    public static WebhookBehaviour Fail(int status = 500, string? body = null) => Always($"fail {status}", new WebhookReply(status, body));

    /// <summary>410 Gone: the sender must disable the endpoint.</summary>
    public static WebhookBehaviour Gone() => Fail(410, "gone");

    /// <summary>429 (or 503) with <c>Retry-After: {seconds}</c>.</summary>
    public static WebhookBehaviour Throttle(int seconds, int status = 429) =>
        Throttle(seconds.ToString(CultureInfo.InvariantCulture), status);

    /// <summary>429 (or 503) with <c>Retry-After</c> as given (seconds, or an HTTP date).</summary>
    public static WebhookBehaviour Throttle(string retryAfter, int status = 429) =>
        Always($"throttle {status} Retry-After {retryAfter}", new WebhookReply(status, "slow down", [("Retry-After", retryAfter)]));

    /// <summary>A redirect (301, 302, 307, 308) to <paramref name="location"/> (another path of the receiver, or any URL).</summary>
    public static WebhookBehaviour Redirect(string location, int status = 307) =>
        Always($"redirect {status} to {location}", new WebhookReply(status, null, [("Location", location)]));

    /// <summary>Holds the request open without answering until the sender gives up (or <paramref name="atMost"/>, then 204).</summary>
    public static WebhookBehaviour Hang(TimeSpan? atMost = null) =>
        Always("hang", new WebhookReply(204) { Hang = true, HangFor = atMost });

    /// <summary>The first <paramref name="failures"/> requests of each message fail with <paramref name="failStatus"/>, later ones succeed.</summary>
    public static WebhookBehaviour SucceedAfter(int failures, int failStatus = 500, int successStatus = 204) =>
        new($"succeed after {failures} x {failStatus}", n => n <= failures ? new WebhookReply(failStatus, $"failure {n} of {failures}") : new WebhookReply(successStatus));

    /// <summary>The first <paramref name="hangs"/> requests of each message hang (until the sender's timeout), later ones succeed.</summary>
    public static WebhookBehaviour SucceedAfterHanging(int hangs, int successStatus = 204) =>
        new($"succeed after {hangs} hang(s)", n => n <= hangs ? new WebhookReply(successStatus) { Hang = true } : new WebhookReply(successStatus));

    /// <summary>The <paramref name="first"/> behaviour for the first <paramref name="count"/> requests of each message, then <paramref name="then"/>.</summary>
    public static WebhookBehaviour Sequence(WebhookBehaviour first, int count, WebhookBehaviour then) =>
        new($"{first} x{count}, then {then}", n => n <= count ? first.Decide(n) : then.Decide(n - count));

    /// <summary>Any answer, given the number of the request for its message.</summary>
    public static WebhookBehaviour Custom(string name, Func<int, WebhookReply> decide) => new(name, decide);

    public WebhookReply Decide(int attemptOfMessage) => _decide(attemptOfMessage);

    public override string ToString() => _name;

    private static WebhookBehaviour Always(string name, WebhookReply reply) => new(name, _ => reply);
}

/// <summary>One answer of the receiver: status, optional text body and headers; or hold the request open.</summary>
public sealed record WebhookReply(int Status, string? Body = null, IReadOnlyList<(string Name, string Value)>? ExtraHeaders = null)
{
    public bool Hang { get; init; }

    /// <summary>How long a hang lasts at most (null: until the sender gives up or the receiver stops).</summary>
    public TimeSpan? HangFor { get; init; }

    public IReadOnlyList<(string Name, string Value)> Headers => ExtraHeaders ?? [];
}

/// <summary>
/// One request as the receiver saw it. <see cref="AttemptOfMessage"/> counts the requests with the same
/// <c>webhook-id</c> to the same path (from 1); <see cref="AnsweredStatus"/> is null for a request held open (hang).
/// </summary>
public sealed record ReceivedRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string[]> Headers,
    byte[] Body,
    DateTimeOffset At,
    int AttemptOfMessage,
    int? AnsweredStatus)
{
    public string? WebhookId => Header("webhook-id");

    public string? WebhookTimestamp => Header("webhook-timestamp");

    public string? WebhookSignature => Header("webhook-signature");

    public string? ContentType => Header("content-type");

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The first value of header <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var values) && values.Length > 0 ? values[0] : null;

    /// <summary>The headers as a <see cref="System.Net.Http.Headers.HttpHeaders"/>-style map of name to one joined value.</summary>
    public IReadOnlyDictionary<string, string> FlatHeaders() =>
        Headers.ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The request rebuilt as an <see cref="HttpRequestMessage"/> (method, URL on <paramref name="baseAddress"/>, headers
    /// and content headers, the exact body bytes), for libraries that read an HTTP request in that shape (the
    /// CloudEvents SDK's HTTP binding).
    /// </summary>
    public HttpRequestMessage ToHttpRequestMessage(Uri baseAddress)
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(baseAddress, Path + Query))
        {
            Content = new ByteArrayContent(Body),
        };
        foreach (var (name, values) in Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return message;
    }

    public override string ToString() =>
        $"{Method} {Path} webhook-id={WebhookId ?? "-"} #{AttemptOfMessage} at {At:HH:mm:ss.fff} -> {(AnsweredStatus is { } s ? s.ToString(CultureInfo.InvariantCulture) : "held open")}";
}
