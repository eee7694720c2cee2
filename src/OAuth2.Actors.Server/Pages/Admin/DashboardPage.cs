using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Microsoft.AspNetCore.Antiforgery;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// <c>/admin</c>: the cluster's nodes as this node sees them, token and event rates, the event log, and each durable
/// sink's state, lag and counters with its pause, resume and replay actions (the same operations as
/// <c>/admin/api/sinks</c>, through the same gateway).
/// </summary>
public static class DashboardPage
{
    public static IEndpointRouteBuilder MapConsoleDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet(ConsolePage.Root, async (HttpContext http, ActorSystem system, IEventGateway events, ConsoleRates rates, IAntiforgery antiforgery) =>
            ConsoleAccess.Deny(http) ?? await Render(http, system, events, rates, antiforgery))
            .ConsolePageRoute("consoleDashboard", "Console: dashboard", "This node's token and event rates, the cluster's nodes, the event log, and each durable sink's state, lag and counters with its pause, resume and replay forms.");

        app.MapPost(ConsolePage.Root + "/sinks/{name}/{action}", async (HttpContext http, string name, string action, IEventGateway events, IAntiforgery antiforgery, RequestReader reader) =>
        {
            if (ConsoleAccess.Deny(http) is { } denied)
            {
                return denied;
            }

            var (form, problem) = await BrowserEndpoints.ReadProtectedForm(http, antiforgery, reader);
            if (form is null)
            {
                return ConsolePage.Render(http, "Request refused", Html.Error(problem), status: 400);
            }

            if (!events.DurableSinks.Contains(name, StringComparer.Ordinal))
            {
                return ConsolePage.Render(http, "No such sink", Html.Error($"'{name}' is not a durable sink."), status: 404);
            }

            IEventSinkCommand? command = action switch
            {
                "pause" => new PauseSink(name),
                "resume" => new ResumeSink(name),
                "replay" => Replay(name, form, out problem),
                _ => null,
            };
            if (command is null)
            {
                return ConsolePage.Render(http, "Request refused", Html.Error(problem ?? $"'{action}' is not a sink action."), status: problem is null ? 404 : 400);
            }

            return await events.Sink(command, http.RequestAborted) switch
            {
                SinkStatus or SinkReplayStarted => Results.Redirect($"{ConsolePage.Root}?done={action}&sink={Uri.EscapeDataString(name)}"),
                AdminFailure failure => ConsolePage.Render(http, "The sink refused", Html.Error(failure.Detail), status: HttpOutcomes.Status(failure.Kind)),
                _ => ConsolePage.Render(http, "Try again", Html.Error("The sink did not answer in time; its consumer may be moving to another node."), status: 503),
            };
        })
            .ConsoleActionRoute("consoleSinkAction", "Console: pause, resume or replay a sink", "action is pause, resume or replay (which reads from and to). As POST /admin/api/sinks/{name}/{action}; then back to the dashboard with what was done.", Schemas.ConsoleReplayForm)
            .WithPathParameter("name", "A durable sink (a name of OAUTH2_EVENTS_BACKEND).")
            .WithPathParameter("action", "pause, resume or replay.")
            .RespondsRedirect("Done: to the dashboard, which says what was done.")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such durable sink, or no such action.")
            .RespondsHtml(StatusCodes.Status409Conflict, "A replay of this sink is already running.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The sink's consumer did not answer in time.");

        return app;
    }

    /// <summary>The replay form's bounds (a log position or an RFC 3339 time each), read by the API's own rules.</summary>
    private static ReplaySink? Replay(string name, OAuthParameters form, out string? problem)
    {
        var body = new Dictionary<string, JsonElement>();
        foreach (var bound in new[] { "from", "to" })
        {
            if (form.Get(bound)?.Trim() is { Length: > 0 } value)
            {
                body[bound] = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                    ? JsonSerializer.SerializeToElement(position)
                    : JsonSerializer.SerializeToElement(value);
            }
        }

        var (range, rangeProblem) = ReplayRange.Parse(body);
        problem = rangeProblem;
        return range is null ? null : new ReplaySink(name, range.From, range.To);
    }

    private static async Task<IResult> Render(HttpContext http, ActorSystem system, IEventGateway events, ConsoleRates rates, IAntiforgery antiforgery)
    {
        var body = new StringBuilder();
        body.Append(Done(http));
        var (tokens, tokensPerMinute, emitted, eventsPerMinute) = rates.Read();
        body.Append($"""
            <section aria-labelledby="rates"><h2 id="rates">This node</h2>
            <div class="stats">
            <div>Tokens issued per minute<strong id="token-rate">{tokensPerMinute:0}</strong>{tokens:N0} since start</div>
            <div>Events per minute<strong id="event-rate">{eventsPerMinute:0}</strong>{emitted:N0} since start</div>
            </div></section>
            """);
        body.Append(Nodes(system));

        if (!events.Enabled)
        {
            body.Append("<h2>Event sinks</h2><p>Eventing is disabled (<code>OAUTH2_EVENTS_ENABLED=false</code>).</p>");
            return ConsolePage.Render(http, "Dashboard", body.ToString());
        }

        var log = await events.LogHealth(http.RequestAborted);
        body.Append(log is null
            ? "<h2>Event log</h2><p class=\"error\">The event log did not answer in time.</p>"
            : $"""
                <h2>Event log</h2>
                <p>Head position <strong id="log-head">{log.Head:N0}</strong>; appended by this node {log.Appended:N0}; waiting for the database {log.Pending:N0};
                dropped {log.Dropped:N0}{(log.LastError is null ? string.Empty : $"; last error: <code>{Html.Encode(log.LastError)}</code>")}.</p>
                """);

        var statuses = await Task.WhenAll(events.DurableSinks.Select(async name => (Name: name, Reply: await events.Sink(new GetSinkStatus(name), http.RequestAborted))));
        body.Append("""
            <h2 id="sinks">Event sinks</h2>
            <table aria-labelledby="sinks"><thead><tr><th scope="col">Sink</th><th scope="col">State</th><th scope="col">Node</th>
            <th scope="col">Cursor</th><th scope="col">Lag (events)</th><th scope="col">Lag (s)</th><th scope="col">Delivered</th>
            <th scope="col">Failed</th><th scope="col">Replayed</th><th scope="col">Lost</th><th scope="col">Actions</th></tr></thead><tbody>
            """);
        var csrf = Html.Csrf(antiforgery, http);
        foreach (var (name, reply) in statuses)
        {
            body.Append(reply is SinkStatus s ? SinkRow(s, csrf) : $"""<tr><th scope="row">{Html.Encode(name)}</th><td colspan="10">did not answer in time</td></tr>""");
        }

        body.Append("</tbody></table>");
        return ConsolePage.Render(http, "Dashboard", body.ToString());
    }

    private static string SinkRow(SinkStatus s, string csrf)
    {
        var name = Html.Encode(s.Sink);
        var action = $"{ConsolePage.Root}/sinks/{Uri.EscapeDataString(s.Sink)}";
        var toggle = s.State == SinkState.Paused ? "resume" : "pause";
        var id = "sink-" + Convert.ToHexString(Encoding.UTF8.GetBytes(s.Sink)).ToLowerInvariant();
        var replay = s.Replay is { } r ? $"<br>replaying {r.From:N0}–{r.To:N0}: {r.Delivered:N0}{(r.Done ? " (done)" : string.Empty)}" : string.Empty;
        var error = s.LastError is null ? string.Empty : $"<br><code>{Html.Encode(s.LastError)}</code>";
        return $"""
            <tr><th scope="row">{name}</th>
            <td class="state-{SinkJson.State(s.State)}">{SinkJson.State(s.State)}{replay}{error}</td><td>{Html.Encode(s.Node)}</td>
            <td class="num">{s.Cursor:N0}</td><td class="num">{s.LagEvents:N0}</td><td class="num">{s.LagSeconds:0.0}</td>
            <td class="num">{s.Counters.Delivered:N0}</td><td class="num">{s.Counters.Failed:N0}</td><td class="num">{s.Counters.Replayed:N0}</td><td class="num">{s.Lost:N0}</td>
            <td>
            <form class="inline" method="post" action="{action}/{toggle}">{csrf}<button type="submit" aria-label="{(toggle == "pause" ? "Pause" : "Resume")} {name}">{(toggle == "pause" ? "Pause" : "Resume")}</button></form>
            <form class="inline" method="post" action="{action}/replay">{csrf}
            <label for="{id}-from">From</label><input id="{id}-from" name="from" size="12" required placeholder="position or time">
            <label for="{id}-to">to</label><input id="{id}-to" name="to" size="12" required placeholder="position or time">
            <button type="submit" class="secondary" aria-label="Replay {name}">Replay</button></form>
            </td></tr>
            """;
    }

    private static string Nodes(ActorSystem system)
    {
        var state = Akka.Cluster.Cluster.Get(system).State;
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var rows = string.Concat(state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => $"""
            <tr><th scope="row">{Html.Encode(m.Address.ToString())}{(m.Address == self ? " (this node)" : string.Empty)}</th>
            <td>{m.Status.ToString().ToLowerInvariant()}{(state.Unreachable.Contains(m) ? ", <strong>unreachable</strong>" : string.Empty)}</td>
            <td>{Html.Encode(string.Join(", ", m.Roles))}</td></tr>
            """));
        return $"""
            <h2 id="nodes">Nodes</h2>
            <table aria-labelledby="nodes"><thead><tr><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Roles</th></tr></thead><tbody>{rows}</tbody></table>
            """;
    }

    /// <summary>What the last action did (the action and sink come back in the query; only known actions are shown).</summary>
    private static string Done(HttpContext http)
    {
        var sink = http.Request.Query["sink"].ToString();
        return http.Request.Query["done"].ToString() switch
        {
            "pause" => ConsolePage.Notice($"Sink {sink} paused: events wait in the log."),
            "resume" => ConsolePage.Notice($"Sink {sink} resumed."),
            "replay" => ConsolePage.Notice($"Replay to sink {sink} started."),
            _ => string.Empty,
        };
    }
}
