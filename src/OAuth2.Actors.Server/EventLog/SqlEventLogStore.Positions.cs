using System.Data.Common;
using System.Globalization;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>From a time to a log position.</summary>
public sealed partial class SqlEventLogStore
{
    /// <summary>
    /// With <paramref name="atOrAfter"/> the first position appended at or after <paramref name="at"/> minus one, else
    /// the last position appended at or before it; null when the log holds no event.
    /// </summary>
    /// <remarks>
    /// <c>appended_at</c> never decreases with the position (the appender stamps a batch no earlier than the head's), so
    /// this is a binary search over the positions the log holds (they are contiguous: only the oldest are ever purged):
    /// about 20 primary-key reads on a log of a million, with no index on <c>appended_at</c> for appends to pay for.
    /// </remarks>
    private static async Task<long?> PositionAtAsync(DbConnection connection, long at, bool atOrAfter, CancellationToken cancellationToken)
    {
        long first, last;
        // Two subqueries: each reads one end of the primary key (min and max in one SELECT scan the table on SQLite).
        await using (var bounds = EventLogDialect.Command(connection, null,
            $"SELECT (SELECT min(position) FROM {EventLogDialect.Log}), (SELECT max(position) FROM {EventLogDialect.Log})"))
        await using (var reader = await bounds.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
            {
                return null;
            }

            (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        await using var probe = EventLogDialect.Command(connection, null,
            $"SELECT appended_at FROM {EventLogDialect.Log} WHERE position >= @p ORDER BY position LIMIT 1");
        var parameter = EventLogDialect.Add(probe, "@p", first);

        // The first position whose appended_at is >= at (atOrAfter) or > at (otherwise); last + 1 when there is none.
        var (low, high) = (first, last + 1);
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            parameter.Value = middle;
            var appendedAt = await probe.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull
                ? Convert.ToInt64(value, CultureInfo.InvariantCulture)
                : long.MaxValue;
            if (atOrAfter ? appendedAt >= at : appendedAt > at)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low - 1;
    }
}
