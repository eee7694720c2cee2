using System.Data.Common;
using System.Text;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>Appending: positions from the head row, the ingest keys checked and written in the same transaction.</summary>
public sealed partial class SqlEventLogStore
{
    /// <summary>Rows per multi-row statement for the keys (well under either database's parameter limit).</summary>
    private const int KeyChunk = 300;

    public async Task<IReadOnlyList<AppendOutcome>> AppendAsync(IReadOnlyList<LogAppend> items, DateTimeOffset now, TimeSpan dedupWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        try
        {
            return await _dialect.WriteAsync(true, (c, t, ct) => AppendAsync(c, t, items, now, dedupWindow, false, ct), cancellationToken);
        }
        catch (Exception e) when (_dialect.IsUniqueViolation(e))
        {
            // An event id already in the log (a batch written again after a commit whose answer was lost, or an ingest
            // reusing an id under another key): again, leaving out every id the log holds, instead of failing the batch.
            return await _dialect.WriteAsync(true, (c, t, ct) => AppendAsync(c, t, items, now, dedupWindow, true, ct), cancellationToken);
        }
    }

    private async Task<IReadOnlyList<AppendOutcome>> AppendAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<LogAppend> items, DateTimeOffset now, TimeSpan dedupWindow, bool checkIds, CancellationToken cancellationToken)
    {
        long head, appendedAt;
        await using (var command = EventLogDialect.Command(connection, transaction, $"SELECT position, appended_at FROM {EventLogDialect.Head} WHERE id = 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException("The event log has no head row: InitializeAsync was not called.");
            }

            head = reader.GetInt64(0);
            // Never below the head's: appended_at only grows with the position, even when nodes' clocks differ.
            appendedAt = Math.Max(now.ToUnixTimeMilliseconds(), reader.GetInt64(1));
        }

        var keys = items.Where(i => i.IdempotencyKey is not null).Select(i => i.IdempotencyKey!).Distinct(StringComparer.Ordinal).ToList();
        var known = keys.Count == 0 ? [] : await KnownKeysAsync(connection, transaction, keys, cancellationToken);
        var existingIds = checkIds ? await KnownEventIdsAsync(connection, transaction, items.Select(i => i.Envelope.Event.Id).Distinct(StringComparer.Ordinal).ToList(), cancellationToken) : [];
        var windowStart = now.ToUnixTimeMilliseconds() - (long)dedupWindow.TotalMilliseconds;

        var outcomes = new AppendOutcome[items.Count];
        var rows = new List<EventLogRow>(items.Count);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var ids = checkIds ? new HashSet<string>(existingIds, StringComparer.Ordinal) : null;
        var newKeys = new List<(string Key, string EventId)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var id = item.Envelope.Event.Id;
            if (item.IdempotencyKey is { } key)
            {
                if (seen.TryGetValue(key, out var firstInBatch))
                {
                    outcomes[i] = new AppendOutcome(0, firstInBatch);
                    continue;
                }

                if (known.TryGetValue(key, out var earlier) && earlier.FirstSeen > windowStart)
                {
                    outcomes[i] = new AppendOutcome(0, earlier.EventId);
                    continue;
                }
            }

            if (ids is not null && !ids.Add(id))
            {
                outcomes[i] = new AppendOutcome(0, id);
                continue;
            }

            rows.Add(EventLogRow.From(item.Envelope, ++head, appendedAt));
            outcomes[i] = new AppendOutcome(head);
            if (item.IdempotencyKey is { } newKey)
            {
                seen[newKey] = id;
                newKeys.Add((newKey, id));
            }
        }

        if (rows.Count > 0)
        {
            await _dialect.InsertAsync(connection, transaction, rows, cancellationToken);
            await WriteKeysAsync(connection, transaction, newKeys, now.ToUnixTimeMilliseconds(), cancellationToken);
            await ExecuteAsync(connection, transaction, $"UPDATE {EventLogDialect.Head} SET position = @head, appended_at = @at WHERE id = 1", cancellationToken,
                ("@head", head), ("@at", appendedAt));
        }

        return outcomes;
    }

    private static async Task<Dictionary<string, (string EventId, long FirstSeen)>> KnownKeysAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(KeyChunk))
        {
            await using var command = InList(connection, transaction,
                $"SELECT idempotency_key, event_id, first_seen FROM {EventLogDialect.Keys} WHERE idempotency_key", chunk);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                known[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2));
            }
        }

        return known;
    }

    private static async Task<List<string>> KnownEventIdsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var known = new List<string>();
        foreach (var chunk in ids.Chunk(KeyChunk))
        {
            await using var command = InList(connection, transaction, $"SELECT event_id FROM {EventLogDialect.Log} WHERE event_id", chunk);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                known.Add(reader.GetString(0));
            }
        }

        return known;
    }

    /// <summary>New keys, and keys whose window had expired (replaced: first seen now, naming the new event).</summary>
    private static async Task WriteKeysAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(string Key, string EventId)> keys, long firstSeen, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(KeyChunk))
        {
            await using var command = EventLogDialect.Command(connection, transaction, string.Empty);
            var sql = new StringBuilder($"INSERT INTO {EventLogDialect.Keys} (idempotency_key, event_id, first_seen) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? string.Empty : ", ").Append($"(@k{i}, @e{i}, @seen)");
                EventLogDialect.Add(command, "@k" + i, chunk[i].Key);
                EventLogDialect.Add(command, "@e" + i, chunk[i].EventId);
            }

            EventLogDialect.Add(command, "@seen", firstSeen);
            sql.Append(" ON CONFLICT (idempotency_key) DO UPDATE SET event_id = excluded.event_id, first_seen = excluded.first_seen");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static DbCommand InList(DbConnection connection, DbTransaction transaction, string sqlBeforeIn, IReadOnlyList<string> values)
    {
        var command = EventLogDialect.Command(connection, transaction, string.Empty);
        var sql = new StringBuilder(sqlBeforeIn).Append(" IN (");
        for (var i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? "@v0" : $", @v{i}");
            EventLogDialect.Add(command, "@v" + i, values[i]);
        }

        command.CommandText = sql.Append(')').ToString();
        return command;
    }
}
