using OAuth2.Actors.Events;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// <c>/admin/events</c>: the node's events as they happen, read from <c>GET /events/stream</c> (the console's session
/// is accepted there for an admin) with the stream's filters. The page keeps the newest 200 rows; a reader too slow
/// for the stream's buffer is told how many events it missed, and the pipeline never waits for it.
/// </summary>
public static class LiveEventsPage
{
    public const string Path = ConsolePage.Root + "/events";

    public static IEndpointRouteBuilder MapConsoleLiveEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http) => ConsoleAccess.Deny(http) ?? Render(http))
            .ConsolePageRoute("consoleLiveEvents", "Console: live events", "The node's events as they happen (read from GET /events/stream with the page's session), with the stream's filters.");
        return app;
    }

    private static IResult Render(HttpContext http)
    {
        var types = string.Concat(EventTypeNames.All.Select(t => $"""<option value="{t}">{t}</option>"""));
        var severities = string.Concat(Enum.GetValues<EventSeverity>().Select(s => $"""<option value="{EventSeverityNames.Name(s)}">{EventSeverityNames.Name(s)}</option>"""));
        var body = $"""
            <form id="filter" class="inline">
            <label for="event-type">Event type</label>
            <select id="event-type" name="event_type"><option value="">all</option>{types}</select>
            <label for="severity">Severity</label>
            <select id="severity" name="severity"><option value="">all</option>{severities}</select>
            <label for="client-id">Client</label><input id="client-id" name="client_id" size="16">
            <button type="submit">Apply</button>
            <button type="button" id="pause" class="secondary" aria-pressed="false">Pause</button>
            </form>
            <p id="status" role="status" aria-live="polite">Connecting…</p>
            <p>Received <strong id="received">0</strong> · missed (reader too slow) <strong id="dropped">0</strong></p>
            <table aria-describedby="status"><thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Severity</th>
            <th scope="col">Client</th><th scope="col">User</th><th scope="col">Correlation id</th></tr></thead>
            <tbody id="events"></tbody></table>
            """;
        return ConsolePage.Render(http, "Live events", body, Script);
    }

    // The page's only script: an EventSource on the stream, rows built with textContent (never HTML from an event).
    private const string Script = """
        (() => {
          const rows = document.getElementById('events'), status = document.getElementById('status');
          const received = document.getElementById('received'), dropped = document.getElementById('dropped');
          const pause = document.getElementById('pause'), form = document.getElementById('filter');
          let source = null, paused = false, count = 0, missed = 0;
          const cell = (tr, text) => { const td = document.createElement('td'); td.textContent = text ?? ''; tr.appendChild(td); };
          function open() {
            if (source) source.close();
            const query = new URLSearchParams();
            for (const [k, v] of new FormData(form)) if (v) query.append(k, v);
            source = new EventSource('/events/stream' + (query.size ? '?' + query : ''));
            status.textContent = 'Connecting…';
            source.addEventListener('ready', () => { status.textContent = 'Live: new events appear at the top.'; });
            source.addEventListener('dropped', e => { missed += JSON.parse(e.data).dropped; dropped.textContent = missed; });
            source.onerror = () => { status.textContent = 'Disconnected; reconnecting…'; };
            source.onmessage = e => {
              count++; received.textContent = count;
              if (paused) return;
              const env = JSON.parse(e.data), ev = env.event, tr = document.createElement('tr');
              tr.dataset.eventId = ev.id;
              cell(tr, ev.timestamp); cell(tr, ev.event_type); cell(tr, ev.severity);
              cell(tr, ev.client_id); cell(tr, ev.user_id); cell(tr, env.correlation_id);
              rows.prepend(tr);
              while (rows.children.length > 200) rows.lastElementChild.remove();
            };
          }
          form.addEventListener('submit', e => { e.preventDefault(); open(); });
          pause.addEventListener('click', () => {
            paused = !paused; pause.textContent = paused ? 'Resume' : 'Pause'; pause.setAttribute('aria-pressed', String(paused));
          });
          open();
        })();
        """;
}
