using System.Data.Common;
using System.Text;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// The SQL of one history page. Every filter index ends with the position, so each filter walks its matches in page
/// order from the cursor and stops after one page. A list of types is one such walk per type (each at most a page),
/// merged: an <c>IN</c> would make the database collect every match of every type and sort them all.
/// </summary>
internal static class EventLogQuerySql
{
    public const int MaxLimit = 1_000;

    /// <summary>A command reading up to <c>limit + 1</c> events (the extra one says whether there is a next page).</summary>
    public static DbCommand Build(DbConnection connection, EventLogQuery query, int fetch)
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

        if (query.Severity is { } severity)
        {
            // "severity > 0" lets the database use the partial severity index (it holds every non-info row).
            conditions.Add(severity == Events.EventSeverity.Info ? "severity = @severity" : "severity = @severity AND severity > 0");
            EventLogDialect.Add(command, "@severity", (short)severity);
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
        var types = query.Types?.Distinct().ToList() ?? [];
        var sql = new StringBuilder();
        if (types.Count <= 1)
        {
            if (types.Count == 1)
            {
                conditions.Insert(0, "event_type = @type0");
                EventLogDialect.Add(command, "@type0", (short)types[0]);
            }

            sql.Append($"SELECT {EventLogRow.ReadColumns} FROM {EventLogDialect.Log}");
            AppendWhere(sql, conditions);
            sql.Append($" {order} LIMIT @fetch");
        }
        else
        {
            sql.Append("WITH page AS (");
            for (var i = 0; i < types.Count; i++)
            {
                EventLogDialect.Add(command, "@type" + i, (short)types[i]);
                sql.Append(i == 0 ? string.Empty : " UNION ALL ");
                sql.Append($"SELECT position FROM (SELECT position FROM {EventLogDialect.Log}");
                AppendWhere(sql, [$"event_type = @type{i}", .. conditions]);
                sql.Append($" {order} LIMIT @fetch) AS t{i}");
            }

            sql.Append($") SELECT l.position, l.appended_at, l.envelope FROM {EventLogDialect.Log} l");
            sql.Append($" WHERE l.position IN (SELECT position FROM page {order} LIMIT @fetch)");
            sql.Append(descending ? " ORDER BY l.position DESC" : " ORDER BY l.position");
        }

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
