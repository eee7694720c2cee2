using System.Text.Json;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// <c>/admin/api/sinks</c>: the durable sinks (each reads the event log from its own cursor), their state, pause and
/// resume, and the replay of a range of the log to one sink. Admin scope; errors are ProblemDetails. The handlers only
/// translate: each asks the sink's consumer (the <c>event-sinks</c> shard region, on whichever node consumes it).
/// </summary>
public static class SinkEndpoints
{
    public const string Path = "/admin/api/sinks";

    public static IEndpointRouteBuilder MapSinkEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, IEventGateway events) =>
        {
            if (await AdminApi.Authorize(http) is { } denied)
            {
                return denied;
            }

            var replies = await Task.WhenAll(events.DurableSinks.Select(name => events.Sink(new GetSinkStatus(name), http.RequestAborted)));
            return replies.All(r => r is SinkStatus)
                ? Results.Json(new { sinks = replies.Cast<SinkStatus>().Select(SinkJson.Body) })
                : Failure(replies.First(r => r is not SinkStatus), http);
        })
            .WithName("listSinks")
            .WithSummary("List the durable sinks")
            .WithDescription("Every configured durable sink: its cursor in the log, lag, state and counters.")
            .DescribedAsSinkApi()
            .Responds(StatusCodes.Status200OK, "The sinks.", Schemas.SinkList);

        app.MapGet(Path + "/{name}", (HttpContext http, string name, IEventGateway events) =>
            Command(http, name, events, () => new GetSinkStatus(name)))
            .WithName("getSink")
            .WithSummary("Read a durable sink")
            .DescribedAsSinkCommand("The sink's status.");

        app.MapPost(Path + "/{name}/pause", (HttpContext http, string name, IEventGateway events) =>
            Command(http, name, events, () => new PauseSink(name)))
            .WithName("pauseSink")
            .WithSummary("Pause a durable sink")
            .WithDescription("The sink stops delivering; its cursor stays where it is.")
            .DescribedAsSinkCommand("Paused: the sink's status.");

        app.MapPost(Path + "/{name}/resume", (HttpContext http, string name, IEventGateway events) =>
            Command(http, name, events, () => new ResumeSink(name)))
            .WithName("resumeSink")
            .WithSummary("Resume a durable sink")
            .WithDescription("The sink delivers again from its cursor.")
            .DescribedAsSinkCommand("Resumed: the sink's status.");

        app.MapPost(Path + "/{name}/replay", async (HttpContext http, string name, IEventGateway events, RequestReader reader) =>
        {
            if (await AdminApi.Authorize(http) is { } denied)
            {
                return denied;
            }

            if (!IsDurableSink(name, events))
            {
                return NoSuchSink(name, events);
            }

            var (body, problem) = await reader.ReadJson<Dictionary<string, JsonElement>>(http.Request, http.RequestAborted);
            var (range, rangeProblem) = body is null ? (null, problem) : ReplayRange.Parse(body);
            if (range is null)
            {
                return Results.Problem(statusCode: 400, title: "Invalid replay", detail: rangeProblem);
            }

            return await events.Sink(new ReplaySink(name, range.From, range.To), http.RequestAborted) switch
            {
                SinkReplayStarted started => Results.Json(new { sink = started.Sink, from = started.From, to = started.To }, statusCode: StatusCodes.Status202Accepted),
                var other => Failure(other, http),
            };
        })
            .WithName("replaySink")
            .WithSummary("Replay a range of the log to a durable sink")
            .WithDescription("Delivers the logged events of the range to this sink again (counted as replayed), beside its normal delivery.")
            .DescribedAsSinkApi()
            .WithPathParameter("name", "The durable sink's name (webhook:{id} for a webhook endpoint's).")
            .AcceptsJson(Schemas.ReplayRequest, "The range.")
            .Responds(StatusCodes.Status202Accepted, "The replay started.", Schemas.ReplayStarted)
            .RespondsProblem(StatusCodes.Status400BadRequest, "Invalid replay: not JSON, a bound missing or wrong, from after to, or a range that holds no logged event.")
            .RespondsProblem(StatusCodes.Status404NotFound, "No such durable sink.")
            .RespondsProblem(StatusCodes.Status409Conflict, "The sink is already replaying.")
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The sink is starting, its consumer did not answer in time (it may be moving to another node), or the log did not answer.");

        return app;
    }

    private static async Task<IResult> Command(HttpContext http, string name, IEventGateway events, Func<IEventSinkCommand> command)
    {
        if (await AdminApi.Authorize(http) is { } denied)
        {
            return denied;
        }

        if (!IsDurableSink(name, events))
        {
            return NoSuchSink(name, events);
        }

        return await events.Sink(command(), http.RequestAborted) switch
        {
            SinkStatus status => Results.Json(SinkJson.Body(status)),
            var other => Failure(other, http),
        };
    }

    private static RouteHandlerBuilder DescribedAsSinkApi(this RouteHandlerBuilder builder) =>
        builder.WithTags(ApiTags.Sinks).AdminEndpoint();

    private static RouteHandlerBuilder DescribedAsSinkCommand(this RouteHandlerBuilder builder, string answer) =>
        builder
            .DescribedAsSinkApi()
            .WithPathParameter("name", "The durable sink's name (webhook:{id} for a webhook endpoint's).")
            .Responds(StatusCodes.Status200OK, answer, Schemas.SinkStatus)
            .RespondsProblem(StatusCodes.Status404NotFound, "No such durable sink.")
            .RespondsProblem(StatusCodes.Status503ServiceUnavailable, "The sink is starting, or its consumer did not answer in time (it may be moving to another node).");


    private static IResult NoSuchSink(string name, IEventGateway events) =>
        Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No such sink",
            detail: events.DurableSinks.Count == 0
                ? $"'{name}' is not a durable sink: eventing is disabled."
                : $"'{name}' is not a durable sink; the durable sinks are: {string.Join(", ", events.DurableSinks)}.");

    /// <summary>A consumer's refusal as ProblemDetails (a replay already running: 409), or 503 when it did not answer.</summary>
    private static IResult Failure(object? reply, HttpContext http) =>
        AdminApi.Failure(reply, http, "The sink did not answer in time", "Its consumer may be moving to another node; try again.");

    /// <summary>A configured durable sink, or a webhook endpoint's (its consumer answers NotFound when the endpoint does not exist).</summary>
    private static bool IsDurableSink(string name, IEventGateway events) =>
        events.DurableSinks.Contains(name, StringComparer.Ordinal) || OAuth2.Actors.Events.Webhooks.WebhookEndpoint.IdOfSink(name) is { Length: > 0 };
}
