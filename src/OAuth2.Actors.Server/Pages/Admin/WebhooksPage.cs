using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.OpenApi;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// <c>/admin/webhooks</c>: the webhook endpoints with their delivery state, a form to create one, secret rotation (the
/// new secret shown once, on the answer page, never in a URL), and each endpoint's recent attempts with redelivery.
/// The same operations as <c>/admin/api/webhooks</c>, through the same admin actor.
/// </summary>
public static class WebhooksPage
{
    public const string Path = ConsolePage.Root + "/webhooks";

    public static IEndpointRouteBuilder MapConsoleWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext http, IWebhookGateway webhooks, IAntiforgery antiforgery) =>
            ConsoleAccess.Deny(http) ?? await List(http, webhooks, antiforgery, null))
            .ConsolePageRoute("consoleWebhooks", "Console: webhooks", "The webhook endpoints with their delivery state, the form to create one, and secret rotation.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The webhooks did not answer in time.");

        app.MapPost(Path, (HttpContext http, IWebhookGateway webhooks, IAntiforgery antiforgery, RequestReader reader) =>
            Act(http, webhooks, antiforgery, reader, form =>
            {
                if (form.Get("format") is { Length: > 0 } name && !EventFormats.TryParse(name, out _))
                {
                    return null;
                }

                EventFormats.TryParse(form.Get("format") ?? "envelope", out var format);
                var types = (form.Get("event_types") ?? string.Empty).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return new CreateWebhook(form.Get("url")?.Trim() ?? string.Empty, types, format, Enabled: true, form.Get("description") is { Length: > 0 } d ? d : null);
            }, reply => reply is WebhookCreated created
                ? Secret(http, $"Webhook {created.Webhook.Endpoint.Id} created", created.Webhook.Endpoint.Id, created.Secret, "Give it to the receiver now: it is not shown again.")
                : null))
            .ConsoleActionRoute("consoleCreateWebhook", "Console: create a webhook endpoint", "As POST /admin/api/webhooks; the answer page shows the signing secret, this once.", Schemas.ConsoleWebhookForm)
            .RespondsHtml(StatusCodes.Status200OK, "Created: the page with the endpoint's signing secret, shown this once.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The webhooks did not answer in time, or are not enabled.");

        app.MapPost(Path + "/{id}/rotate-secret", (HttpContext http, string id, IWebhookGateway webhooks, IAntiforgery antiforgery, RequestReader reader) =>
            Act(http, webhooks, antiforgery, reader, _ => new RotateWebhookSecret(id), reply => reply is WebhookSecretRotated rotated
                ? Secret(http, $"Secret of {rotated.Id} rotated", rotated.Id, rotated.Secret, $"The previous secret keeps signing alongside it until {rotated.PreviousExpiresAt:u}.")
                : null))
            .ConsoleActionRoute("consoleRotateWebhookSecret", "Console: rotate a webhook's secret", "As POST /admin/api/webhooks/{id}/rotate-secret; the answer page shows the new secret, this once.", Schemas.ConsoleActionForm)
            .RespondsHtml(StatusCodes.Status200OK, "Rotated: the page with the new secret, shown this once.")
            .WithPathParameter("id", "The webhook endpoint.")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such webhook endpoint.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The webhooks did not answer in time, or are not enabled.");

        app.MapGet(Path + "/{id}", async (HttpContext http, string id, IWebhookGateway webhooks, IAntiforgery antiforgery) =>
            ConsoleAccess.Deny(http) ?? await Attempts(http, id, webhooks, antiforgery))
            .ConsolePageRoute("consoleWebhookAttempts", "Console: a webhook's attempts", "The endpoint's most recent 50 delivery attempts, each with a redeliver form.")
            .WithPathParameter("id", "The webhook endpoint.")
            .WithQueryParameter("redelivered", "The event a redelivery was just scheduled for (shown as a notice).")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such webhook endpoint.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The webhooks did not answer in time, or are not enabled.");

        app.MapPost(Path + "/{id}/redeliver", (HttpContext http, string id, IWebhookGateway webhooks, IAntiforgery antiforgery, RequestReader reader) =>
            Act(http, webhooks, antiforgery, reader, form => form.Get("event_id") is { Length: > 0 } eventId ? new RedeliverWebhookEvent(id, eventId) : null, reply => reply is WebhookRedeliveryScheduled scheduled
                ? Results.Redirect($"{Path}/{Uri.EscapeDataString(id)}?redelivered={Uri.EscapeDataString(scheduled.EventId)}")
                : null))
            .ConsoleActionRoute("consoleRedeliverWebhookEvent", "Console: deliver an event to a webhook again", "As POST /admin/api/webhooks/{id}/redeliver with an event_id; then back to the attempts.", Schemas.ConsoleRedeliverForm)
            .WithPathParameter("id", "The webhook endpoint.")
            .RespondsRedirect("Scheduled: to the endpoint's attempts, which say so.")
            .RespondsHtml(StatusCodes.Status404NotFound, "No such webhook endpoint, or the event is not in the log.")
            .RespondsHtml(StatusCodes.Status503ServiceUnavailable, "The webhooks did not answer in time, or are not enabled.");

        return app;
    }

    private static async Task<IResult> List(HttpContext http, IWebhookGateway webhooks, IAntiforgery antiforgery, string? error, int status = StatusCodes.Status200OK)
    {
        if (!webhooks.Enabled)
        {
            return ConsolePage.Render(http, "Webhooks", "<p>Webhooks are not enabled: add <code>webhook</code> to <code>OAUTH2_EVENTS_BACKEND</code>.</p>");
        }

        if (await webhooks.Ask(ListWebhooks.Instance, http.RequestAborted) is not WebhookList list)
        {
            return ConsolePage.Render(http, "Webhooks", Html.Error("The webhooks did not answer in time; try again."), status: 503);
        }

        var csrf = Html.Csrf(antiforgery, http);
        var rows = string.Concat(list.Webhooks.Select(w =>
        {
            var e = w.Endpoint;
            var id = Html.Encode(e.Id);
            var state = !e.Enabled ? $"disabled{(e.DisabledReason is { } r ? ": " + Html.Encode(r) : string.Empty)}" : e.FailingSince is { } since ? $"failing since {since:u}" : "delivering";
            var lag = w.Sink is { } s ? $"{s.LagEvents:N0} ({SinkJson.State(s.State)})" : "unknown";
            return $"""
                <tr><th scope="row"><a href="{Path}/{Uri.EscapeDataString(e.Id)}">{id}</a></th><td><code>{Html.Encode(e.Url)}</code></td>
                <td>{Html.Encode(e.EventTypes.Count == 0 ? "every type" : string.Join(", ", e.EventTypes))}</td><td>{EventFormats.Name(e.Format)}</td>
                <td>{state}</td><td class="num">{lag}</td><td class="num">{w.PendingRetries:N0}</td>
                <td><form class="inline" method="post" action="{Path}/{Uri.EscapeDataString(e.Id)}/rotate-secret">{csrf}<button type="submit" class="secondary" aria-label="Rotate secret of {id}">Rotate secret</button></form></td></tr>
                """;
        }));
        var formats = string.Join(string.Empty, Enum.GetValues<EventFormat>().Select(f => $"""<option value="{EventFormats.Name(f)}">{EventFormats.Name(f)}</option>"""));
        var body = $"""
            {(error is null ? string.Empty : Html.Error(error))}
            <table aria-label="Webhook endpoints"><thead><tr><th scope="col">Id</th><th scope="col">URL</th><th scope="col">Event types</th><th scope="col">Format</th>
            <th scope="col">State</th><th scope="col">Lag (events)</th><th scope="col">Retries pending</th><th scope="col">Secret</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"8\">No webhook endpoint yet.</td></tr>" : rows)}</tbody></table>
            <h2 id="create">New endpoint</h2>
            <form method="post" action="{Path}" aria-labelledby="create">{csrf}
            <p><label for="url">URL (https)</label><br><input id="url" name="url" type="url" size="60" required></p>
            <p><label for="event-types">Event types or globs, comma-separated (empty: every type)</label><br><input id="event-types" name="event_types" size="60"></p>
            <p><label for="format">Format</label><br><select id="format" name="format">{formats}</select></p>
            <p><label for="description">Description</label><br><input id="description" name="description" size="60"></p>
            <button type="submit">Create</button></form>
            """;
        return ConsolePage.Render(http, "Webhooks", body, status: status);
    }

    private static async Task<IResult> Attempts(HttpContext http, string id, IWebhookGateway webhooks, IAntiforgery antiforgery)
    {
        var reply = await webhooks.Ask(new GetWebhookAttempts(id, null, 50, null), http.RequestAborted);
        if (reply is not WebhookAttempts page)
        {
            return Failure(http, reply);
        }

        var csrf = Html.Csrf(antiforgery, http);
        var rows = new StringBuilder();
        foreach (var a in page.Attempts)
        {
            rows.Append($"""
                <tr><td>{a.At:u}</td><td><code>{Html.Encode(a.EventId)}</code></td><td class="num">{a.Attempt}</td><td>{WebhookAttemptOutcomes.Name(a.Outcome)}</td>
                <td class="num">{a.Status}</td><td>{Html.Encode(a.Error)}</td><td class="num">{a.Latency.TotalMilliseconds:0}</td>
                <td><form class="inline" method="post" action="{Path}/{Uri.EscapeDataString(id)}/redeliver">{csrf}{Html.Hidden("event_id", a.EventId)}
                <button type="submit" class="secondary" aria-label="Redeliver event {Html.Encode(a.EventId)}">Redeliver</button></form></td></tr>
                """);
        }

        var notice = http.Request.Query["redelivered"].ToString() is { Length: > 0 } redelivered ? ConsolePage.Notice($"Event {redelivered} will be delivered again.") : string.Empty;
        var body = $"""
            {notice}
            <p><a href="{Path}">All webhook endpoints</a></p>
            <table aria-label="Recent attempts"><thead><tr><th scope="col">At</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Outcome</th>
            <th scope="col">Status</th><th scope="col">Error</th><th scope="col">Latency (ms)</th><th scope="col">Action</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"8\">No attempt yet.</td></tr>" : rows.ToString())}</tbody></table>
            """;
        return ConsolePage.Render(http, $"Webhook {id}: attempts", body);
    }

    /// <summary>A form's action: the caller checked, the CSRF token checked, the request built from the form, the admin actor asked.</summary>
    private static async Task<IResult> Act(HttpContext http, IWebhookGateway webhooks, IAntiforgery antiforgery, RequestReader reader, Func<OAuthParameters, object?> request, Func<object?, IResult?> answer)
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

        if (request(form) is not { } message)
        {
            return ConsolePage.Render(http, "Request refused", Html.Error($"The form is incomplete; the formats are: {EventFormats.Names}."), status: 400);
        }

        var reply = await webhooks.Ask(message, http.RequestAborted);
        return answer(reply) ?? (reply is AdminFailure { Kind: FailureKind.BadRequest } invalid && message is CreateWebhook
            ? await List(http, webhooks, antiforgery, invalid.Detail, StatusCodes.Status400BadRequest)
            : Failure(http, reply));
    }

    private static IResult Secret(HttpContext http, string title, string id, string secret, string note) =>
        ConsolePage.Render(http, title, $"""
            <p>New secret of <code>{Html.Encode(id)}</code>:</p>
            <p><code id="secret">{Html.Encode(secret)}</code></p>
            <p>{Html.Encode(note)}</p>
            <p><a href="{Path}">Back to the webhooks</a></p>
            """);

    private static IResult Failure(HttpContext http, object? reply) => ConsolePage.Failure(http, reply, "The webhooks did not answer in time, or are not enabled.");
}
