using System.Data.Common;
using System.Text;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The SQL of one history page. Every filter index ends with the position, so each filter walks its matches in page
/// order from the cursor and stops after one page. A list of types is one such walk per type and severity (each at
/// most a page), merged: an <c>IN</c> would make the database collect every match of every type and sort them all.
/// </summary>
/// <remarks>
/// A time range is on the event's own timestamp, but pages go by position. Nearly every event is punctual: appended
/// within <see cref="PunctualSpan"/> of its timestamp, so its position lies between the positions appended around the
/// range's bounds (found by a binary search over <c>appended_at</c>, which only grows) and the walk runs over just that
/// stretch of the log. The others (ingested late, or held while the database was down) are in a partial index of
/// their own, by timestamp; the page is the union of both walks. Exact whatever the timestamps, fast while few are late.
/// </remarks>
internal static class EventLogQuerySql
{
    public const int MaxLimit = 1_000;

    /// <summary>How far (ms) an event's timestamp may be from its append time and still be found by position.</summary>
    public const long PunctualSpan = EventLogSchema.PunctualSpanMilliseconds;

    /// <summary>
    /// A command reading up to <paramref name="fetch"/> events (one more than the page: it says whether there is a next
    /// page). With a time range, <paramref name="above"/> and <paramref name="upTo"/> bound the positions of punctual events.
    /// </summary>
    public static DbCommand Build(DbConnection connection, EventLogDialect dialect, EventLogQuery query, int fetch, long? above, long? upTo)
    {
        var command = connection.CreateCommand();
        var conditions = new List<string>();
        if (query.ClientId is not null)
        {
            conditions.Add("client_id = @client");
            EventLogDialect.Add(command, "@client", query.ClientId);
        }

        if (query.UserId is not null)
        {
            conditions.Add("user_id = @user");
            EventLogDialect.Add(command, "@user", query.UserId);
        }

        if (query.From is { } from)
        {
            conditions.Add("event_time >= @from");
            EventLogDialect.Add(command, "@from", from.ToUnixTimeMilliseconds());
        }

        if (query.To is { } to)
        {
            conditions.Add("event_time < @to");
            EventLogDialect.Add(command, "@to", to.ToUnixTimeMilliseconds());
        }

        var descending = query.Order == LogOrder.Descending;
        if (query.After is { } after)
        {
            conditions.Add(descending ? "position < @after" : "position > @after");
            EventLogDialect.Add(command, "@after", after);
        }

        var order = descending ? "ORDER BY position DESC" : "ORDER BY position";
        EventLogDialect.Add(command, "@fetch", fetch);
        var timed = query.From is not null || query.To is not null;
        var punctual = new List<string>();
        if (above is { } low)
        {
            punctual.Add("position > @above");
            EventLogDialect.Add(command, "@above", low);
        }

        if (upTo is { } high)
        {
            punctual.Add("position <= @upTo");
            EventLogDialect.Add(command, "@upTo", high);
        }

        // Types and severities share one index, (event_type, severity, position): with either filter, one walk per pair
        // (every severity of the types asked for, or every type with the severity asked for).
        var kinds = new List<string>();
        if (query.Types is { Count: > 0 } || query.Severity is not null)
        {
            var types = query.Types is { Count: > 0 } asked ? asked.Distinct().ToList() : [.. Enum.GetValues<EventType>()];
            var severities = query.Severity is { } severity ? [severity] : Enum.GetValues<EventSeverity>();
            foreach (var type in types)
            {
                EventLogDialect.Add(command, $"@type{(int)type}", (short)type);
            }

            foreach (var level in severities)
            {
                EventLogDialect.Add(command, $"@severity{(int)level}", (short)level);
            }

            kinds.AddRange(types.SelectMany(t => severities.Select(l => $"event_type = @type{(int)t} AND severity = @severity{(int)l}")));
        }

        var walks = new List<(List<string> Conditions, bool Late)>();
        for (var i = 0; i < Math.Max(kinds.Count, 1); i++)
        {
            var typed = new List<string>(conditions);
            if (kinds.Count > 0)
            {
                typed.Insert(0, kinds[i]);
            }

            if (timed)
            {
                walks.Add(([.. typed, .. punctual], false));
                walks.Add(([.. typed, EventLogSchema.NotPunctual], true));
            }
            else
            {
                walks.Add((typed, false));
            }
        }

        // Positions first (a filter index holds the position, so a single filter never reads a row it does not
        // return), then the page's rows by primary key. Walks are merged with UNION: a late event may be in both.
        var sql = new StringBuilder("WITH page AS (");
        for (var i = 0; i < walks.Count; i++)
        {
            sql.Append(i == 0 ? string.Empty : " UNION ");
            sql.Append(walks.Count == 1 ? string.Empty : "SELECT position FROM (");
            sql.Append($"SELECT position FROM {EventLogDialect.Log}");
            // A client or user index finds a few rows faster than the late index over a wide range: the planner chooses.
            sql.Append(walks[i].Late && query.ClientId is null && query.UserId is null ? dialect.IndexedBy(EventLogSchema.LateIndex) : string.Empty);
            AppendWhere(sql, walks[i].Conditions);
            // The late walk sorts what the small late index finds: ordered by the bare position, PostgreSQL would rather
            // walk the primary key and skip every punctual event on the way.
            sql.Append(walks[i].Late ? (descending ? " ORDER BY position + 0 DESC" : " ORDER BY position + 0") : $" {order}");
            sql.Append(" LIMIT @fetch");
            sql.Append(walks.Count == 1 ? string.Empty : $") AS w{i}");
        }

        sql.Append($") SELECT l.position, l.appended_at, l.envelope FROM {EventLogDialect.Log} l");
        sql.Append($" WHERE l.position IN (SELECT position FROM page {order} LIMIT @fetch)");
        sql.Append(descending ? " ORDER BY l.position DESC" : " ORDER BY l.position");
        command.CommandText = sql.ToString();
        return command;
    }

    private static void AppendWhere(StringBuilder sql, IReadOnlyList<string> conditions)
    {
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }
    }
}
