using System.Globalization;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The parameters of <c>GET /events</c> as a history query of the durable log: <c>event_type</c> (repeatable),
/// <c>client_id</c>, <c>user_id</c>, <c>severity</c>, <c>from</c> (alias <c>since</c>, inclusive) and <c>to</c>
/// (exclusive) in RFC 3339, <c>order</c> (asc|desc, default desc), <c>limit</c> (1..1000, default 100) and
/// <c>cursor</c>. Any parameter but event_type given twice, or any value that cannot be used, is refused with the reason.
/// Unknown parameters are ignored.
/// </summary>
public static class EventHistoryQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static (EventLogQuery? Query, string? Problem) Parse(IQueryCollection query)
    {
        foreach (var (key, values) in query)
        {
            if (values.Count > 1 && key != "event_type")
            {
                return (null, $"'{key}' was given more than once (only event_type may be repeated).");
            }
        }

        var types = new List<EventType>();
        foreach (var value in query["event_type"])
        {
            if (!EventTypeNames.TryParse(value, out var type))
            {
                return (null, $"event_type '{value}' is not a known event type; known: {string.Join(", ", EventTypeNames.All)}.");
            }

            if (!types.Contains(type))
            {
                types.Add(type);
            }
        }

        EventSeverity? severity = null;
        if (query.TryGetValue("severity", out var severityValue))
        {
            if (!EventSeverities.TryParse(severityValue, out var parsed))
            {
                return (null, $"severity '{severityValue}' is not one of {EventSeverities.Names}.");
            }

            severity = parsed;
        }

        if (query.ContainsKey("from") && query.ContainsKey("since"))
        {
            return (null, "Give 'from' or its alias 'since', not both.");
        }

        var fromName = query.ContainsKey("since") ? "since" : "from";
        var (from, fromProblem) = Time(query, fromName);
        var (to, toProblem) = Time(query, "to");
        if ((fromProblem ?? toProblem) is { } timeProblem)
        {
            return (null, timeProblem);
        }

        if (from is { } start && to is { } end && end <= start)
        {
            return (null, $"to must be later than {fromName} ({fromName} is inclusive, to exclusive).");
        }

        var order = LogOrder.Descending;
        if (query.TryGetValue("order", out var orderValue))
        {
            switch (orderValue.ToString())
            {
                case "asc":
                    order = LogOrder.Ascending;
                    break;
                case "desc":
                    break;
                default:
                    return (null, $"order '{orderValue}' must be asc or desc.");
            }
        }

        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitValue)
            && (!int.TryParse(limitValue, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return (null, $"limit must be an integer from 1 to {MaxLimit}.");
        }

        long? after = null;
        if (query.TryGetValue("cursor", out var cursorValue))
        {
            var (position, cursorProblem) = EventLogCursor.Decode(cursorValue.ToString(), order);
            if (cursorProblem is not null)
            {
                return (null, cursorProblem);
            }

            after = position;
        }

        return (new EventLogQuery(types.Count == 0 ? null : types, Empty(query["client_id"]), Empty(query["user_id"]), severity, from, to, order, limit, after), null);

        static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }

    private static (DateTimeOffset? Time, string? Problem) Time(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var value))
        {
            return (null, null);
        }

        return Rfc3339.TryParse(value, out var time) ? (time, null) : (null, Rfc3339.Problem(name, value));
    }
}
