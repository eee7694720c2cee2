using System.Buffers;
using System.Text;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>GET /events/stream</c>: this node's events as they happen, as server-sent events, for an <c>events:read</c> or
/// <c>admin</c> bearer token or the admin console's session, filtered like <c>GET /events</c> (<c>event_type</c>, repeatable; <c>client_id</c>;
/// <c>user_id</c>; <c>severity</c>). Each event is a <c>message</c> whose id is the event id and whose data is the
/// envelope; <c>ready</c> opens the stream, <c>heartbeat</c> comes every 15 s of silence, and <c>dropped</c> says how
/// many events a reader too slow for its buffer missed (the pipeline never waits for a reader).
/// </summary>
public static class EventStreamEndpoints
{
    public const string Path = "/events/stream";

    /// <summary>Events a stream holds for a reader that has not taken them yet; beyond it the oldest give way.</summary>
    public const int Buffer = 1_000;

    /// <summary>Streams a node serves at once; one more is answered 503.</summary>
    public const int MaxStreams = 100;

    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>How long a stream gathers events after a write before the next one (a live view's eye does not see less).</summary>
    public static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(50);

    /// <summary>The sink label the streams' deliveries and drops are counted under (one for all of them: a label per connection would not stay bounded).</summary>
    public const string MetricsSink = "event_stream";

    private static readonly string[] ReadScopes = [Scopes.EventsRead, Scopes.Admin];
    private static readonly string[] HistoryOnly = ["from", "since", "to", "order", "limit", "cursor"];

    public static IEndpointRouteBuilder MapEventStream(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, IEventGateway events, OAuth2Metrics metrics, RequestDrain drain, EventStreamSlots slots) =>
        {
            if (!events.Enabled)
            {
                return EventEndpoints.Disabled();
            }

            // The admin console's page reads the stream with its session (a browser's EventSource sends no header); any
            // other caller presents a bearer token.
            var console = http.Request.Headers.Authorization.Count == 0 && Pages.Admin.ConsoleAccess.IsAdmin(http);
            if (!console && (await BearerAccess.Require(http, ReadScopes)).Denied is { } denied)
            {
                return denied;
            }

            return await Open(http, events, metrics, drain, slots);
        })
            .WithName("streamEvents")
            .WithTags(ApiTags.Events)
            .WithSummary("Stream this node's events live")
            .WithDescription("Server-sent events: the events this node publishes from now on, filtered like GET /events (the history's paging parameters are refused). Each stream holds up to 1,000 events for its reader; a slower reader loses the oldest and is told how many (dropped): the pipeline never waits. At most 100 streams a node. A bearer token with events:read or admin, or (without an Authorization header) the session of a user with the admin role, as the admin console's live page reads it.")
            .BearerEndpoint(Scopes.EventsRead, Scopes.Admin)
            // The console's session is a third way in (it replaces the bearer-only security BearerEndpoint states).
            .Secured((SecuritySchemes.OAuth2, [Scopes.EventsRead]), (SecuritySchemes.OAuth2, [Scopes.Admin]), (SecuritySchemes.SessionCookie, []))
            .WithQueryParameter("event_type", "Only these event types (repeatable).", """{"type":"array","items":{"$ref":"#/components/schemas/EventType"}}""")
            .WithQueryParameter("client_id", "Only events of this client.")
            .WithQueryParameter("user_id", "Only events of this user.")
            .WithQueryParameter("severity", "Only events of this severity.", """{"type":"string","enum":["info","warning","error","critical"]}""")
            .Responds(StatusCodes.Status200OK, "The stream, until the client leaves or the node drains.", Schemas.EventStream, MediaTypes.EventStream)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid stream filter: a history parameter (from, since, to, order, limit, cursor) or a value that cannot be used.")
            .Responds(StatusCodes.Status503ServiceUnavailable, "Eventing is disabled (eventing_disabled).", Schemas.EventingDisabled)
            .Responds(StatusCodes.Status503ServiceUnavailable, "This node serves its most streams (retry after Retry-After, or another node), or the event pipeline did not answer in time.", Schemas.ProblemDetails, MediaTypes.Problem, ResponseHeaders.RetryAfter);

        return app;
    }

    /// <summary>Parses the filter and opens the stream for a caller already authorized.</summary>
    public static async Task<IResult> Open(HttpContext http, IEventGateway events, OAuth2Metrics metrics, RequestDrain drain, EventStreamSlots slots)
    {
        if (HistoryOnly.FirstOrDefault(http.Request.Query.ContainsKey) is { } historyParameter)
        {
            return Results.Problem(statusCode: 400, title: "Invalid stream filter", detail: $"'{historyParameter}' pages the history: use GET /events; a stream starts now.");
        }

        var (query, problem) = EventHistoryQuery.Parse(http.Request.Query);
        if (query is null)
        {
            return Results.Problem(statusCode: 400, title: "Invalid stream filter", detail: problem);
        }

        if (!slots.TryTake())
        {
            http.Response.Headers.RetryAfter = "30";
            return Results.Problem(statusCode: 503, title: "Too many event streams", detail: $"This node serves at most {MaxStreams} event streams at once; try again later or another node.");
        }

        var subscription = await events.Subscribe(Matches(query), Buffer, http.RequestAborted);
        if (subscription is null)
        {
            slots.Release();
            return Results.Problem(statusCode: 503, title: "The event pipeline did not answer in time.");
        }

        // Released when the stream ends, or with the response if it never starts (the client went away first).
        var lease = new Lease(slots, subscription, CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, drain.DrainStarted));
        http.Response.RegisterForDisposeAsync(lease);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return new StreamResult(lease, metrics.ForSink(MetricsSink));
    }

    /// <summary>The filter of <c>GET /events</c>, applied to each live event.</summary>
    public static Func<EventEnvelope, bool> Matches(EventLogQuery query) => envelope =>
    {
        var e = envelope.Event;
        return (query.Types is not { Count: > 0 } types || types.Contains(e.EventType))
            && (query.ClientId is null || string.Equals(query.ClientId, e.ClientId, StringComparison.Ordinal))
            && (query.UserId is null || string.Equals(query.UserId, e.UserId, StringComparison.Ordinal))
            && (query.Severity is null || query.Severity == e.Severity);
    };

    /// <summary>
    /// Writes the stream (text/event-stream, WHATWG server-sent events): each wake-up writes every event queued by then
    /// and flushes once; after a write the stream waits <see cref="Coalesce"/> before the next, so a busy stream costs at
    /// most 20 wake-ups and writes a second whatever the event rate, and an idle one sends its next event at once.
    /// </summary>
    private sealed class StreamResult(Lease lease, SinkMetrics metrics) : IResult
    {
        // At most this many events go into the response's buffer before a flush: what one write may hold in memory.
        private const int MaxBatch = 256;

        public async Task ExecuteAsync(HttpContext http)
        {
            var subscription = lease.Subscription;
            var ending = lease.Ending.Token;
            http.Response.ContentType = "text/event-stream";
            var body = http.Response.BodyWriter;
            try
            {
                Control(body, "ready"u8, "{}"u8);
                await body.FlushAsync(ending);
                var reader = subscription.Events;
                while (true)
                {
                    var wait = await Wait(reader, ending);
                    if (wait == Waited.Ended)
                    {
                        return;
                    }

                    if (subscription.TakeDropped() is > 0 and var dropped)
                    {
                        metrics.Dropped(dropped, DropReasons.QueueFull);
                        Control(body, "dropped"u8, Encoding.UTF8.GetBytes($$"""{"dropped":{{dropped}}}"""));
                    }

                    if (wait == Waited.Silence)
                    {
                        Control(body, "heartbeat"u8, "{}"u8);
                    }

                    var sent = 0;
                    // One copy per event: the hub framed it once for every stream (each write into Kestrel's response
                    // buffer takes its lock, so a frame is written whole rather than field by field).
                    while (sent < MaxBatch && reader.TryRead(out var e))
                    {
                        body.Write(e.Frame.Span);
                        sent++;
                    }

                    await body.FlushAsync(ending);
                    if (sent > 0)
                    {
                        metrics.Delivered(sent);

                        // Gather only while the queue has room: a stream fed faster than it writes in gathered batches
                        // writes at once, and drops only when its reader falls behind.
                        if (sent < MaxBatch / 2 && reader.Count < Buffer / 2)
                        {
                            await Task.Delay(Coalesce, ending);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ending.IsCancellationRequested)
            {
                // The reader went away, or the node is draining.
            }
            finally
            {
                await lease.DisposeAsync();
            }
        }

        private static void Control(System.IO.Pipelines.PipeWriter body, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
        {
            body.Write("event: "u8);
            body.Write(type);
            body.Write("\ndata: "u8);
            body.Write(data);
            body.Write("\n\n"u8);
        }
    }

    /// <summary>One open stream: its place among <see cref="MaxStreams"/>, its subscription and its end; released once.</summary>
    private sealed class Lease(EventStreamSlots slots, EventSubscription subscription, CancellationTokenSource ending) : IAsyncDisposable
    {
        private int _released;

        public EventSubscription Subscription => subscription;

        public CancellationTokenSource Ending => ending;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
                await subscription.DisposeAsync();
                ending.Dispose();
            }
        }
    }

    private enum Waited
    {
        Events,
        Silence,
        Ended,
    }

    private static async Task<Waited> Wait(System.Threading.Channels.ChannelReader<StreamedEvent> reader, CancellationToken ending)
    {
        // Events waiting already: no heartbeat timer to set up (a busy stream never needs one).
        if (reader.TryPeek(out _))
        {
            return Waited.Events;
        }

        using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(ending);
        heartbeat.CancelAfter(Heartbeat);
        try
        {
            return await reader.WaitToReadAsync(heartbeat.Token) ? Waited.Events : Waited.Ended;
        }
        catch (OperationCanceledException)
        {
            return ending.IsCancellationRequested ? Waited.Ended : Waited.Silence;
        }
    }
}

/// <summary>The event streams this host serves at once: at most <see cref="EventStreamEndpoints.MaxStreams"/> (one per host, a DI singleton).</summary>
public sealed class EventStreamSlots
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    /// <summary>Takes a slot; false when every slot is taken.</summary>
    public bool TryTake()
    {
        if (Interlocked.Increment(ref _open) <= EventStreamEndpoints.MaxStreams)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _open);
}
