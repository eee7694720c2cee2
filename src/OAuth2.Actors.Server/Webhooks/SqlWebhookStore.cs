using System.Data.Common;
using System.Globalization;
using System.Text;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.EventLog;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Webhooks;

/// <summary>
/// The webhook endpoints, their scheduled retries and their attempts log, in the event log's database (see
/// <see cref="WebhookSchema"/>): on SQLite the log's own file (WAL) through the log's one writer connection, so webhook
/// writes and appends never contend for the file's lock; on PostgreSQL the journal's database, shared by every node.
/// Batches (retries, removals, attempts) are written in one transaction each.
/// </summary>
/// <remarks>
/// Signing secrets are needed in clear to sign, so they are stored reversibly: with a key-encryption key configured
/// (OAUTH2_KEY_ENCRYPTION_KEY_FILE) each one is sealed with it (AES-256-GCM, bound to its endpoint's id), otherwise
/// stored in clear, as the signing keys are. <see cref="InitializeAsync"/> seals secrets stored in clear once a KEK is
/// configured and refuses to start when stored secrets were sealed with another KEK.
/// </remarks>
public sealed partial class SqlWebhookStore : IWebhookStore, IAsyncDisposable
{
    /// <summary>What a sealed secret is bound to, with its endpoint's id.</summary>
    public const string SecretPurpose = "oauth2-webhook-secret";

    /// <summary>Rows per multi-row statement (well under either database's parameter limit).</summary>
    private const int Chunk = 200;

    private readonly EventLogDialect _dialect;
    private readonly bool _ownsDialect;
    private readonly KeyEncryptionKey? _kek;

    /// <summary>Beside <paramref name="log"/>: its database, connections and (SQLite) writer.</summary>
    public SqlWebhookStore(SqlEventLogStore log, KeyEncryptionKey? kek)
    {
        ArgumentNullException.ThrowIfNull(log);
        _dialect = log.Dialect;
        _kek = kek;
    }

    /// <summary>On <paramref name="database"/> with connections of its own (another process's view of the same tables).</summary>
    public SqlWebhookStore(DatabaseSettings database, KeyEncryptionKey? kek)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dialect = database.IsSqlite ? new SqliteEventLogDialect(database) : new PostgresEventLogDialect(database);
        _ownsDialect = true;
        _kek = kek;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _dialect.CreateAsync(WebhookSchema.For(_dialect), cancellationToken);
        await ProtectSecretsAtRestAsync(cancellationToken);
    }

    public Task CreateAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _dialect.WriteAsync(false, (connection, transaction, ct) => ExecuteAsync(connection, transaction,
            $"INSERT INTO {WebhookSchema.Endpoints} ({WebhookSchema.EndpointColumns}) VALUES (@id, @url, @types, @format, @enabled, @description, @secrets, @created, @updated, @failing, @disabled, @reason)",
            ct, EndpointParameters(endpoint)), cancellationToken);
    }

    public async Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var found = await ReadEndpointsAsync($"SELECT {WebhookSchema.EndpointColumns} FROM {WebhookSchema.Endpoints} WHERE id = @id", cancellationToken, ("@id", id));
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken cancellationToken) =>
        await ReadEndpointsAsync($"SELECT {WebhookSchema.EndpointColumns} FROM {WebhookSchema.Endpoints} ORDER BY created_at, id", cancellationToken);

    public async Task<bool> UpdateAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var updated = await _dialect.WriteAsync(false, (connection, transaction, ct) => ExecuteAsync(connection, transaction, $"""
            UPDATE {WebhookSchema.Endpoints} SET url = @url, event_types = @types, format = @format, enabled = @enabled,
                description = @description, secrets = @secrets, updated_at = @updated, failing_since = @failing,
                disabled_at = @disabled, disabled_reason = @reason
            WHERE id = @id
            """, ct, EndpointParameters(endpoint)), cancellationToken);
        return updated > 0;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var deleted = await _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            await ExecuteAsync(connection, transaction, $"DELETE FROM {WebhookSchema.Retries} WHERE endpoint_id = @id", ct, ("@id", id));
            await ExecuteAsync(connection, transaction, $"DELETE FROM {WebhookSchema.Attempts} WHERE endpoint_id = @id", ct, ("@id", id));
            return await ExecuteAsync(connection, transaction, $"DELETE FROM {WebhookSchema.Endpoints} WHERE id = @id", ct, ("@id", id));
        }, cancellationToken);
        return deleted > 0;
    }

    public Task SetFailureStateAsync(string id, DateTimeOffset? failingSince, DateTimeOffset? disabledAt, string? disabledReason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            // Disabling also turns the endpoint off; clearing the state leaves Enabled to whoever re-enables it.
            var enabled = disabledAt is null ? string.Empty : ", enabled = @enabled";
            return await ExecuteAsync(connection, transaction,
                $"UPDATE {WebhookSchema.Endpoints} SET failing_since = @failing, disabled_at = @disabled, disabled_reason = @reason{enabled} WHERE id = @id", ct,
                [("@id", id), ("@failing", WebhookSchema.Micros(failingSince)), ("@disabled", WebhookSchema.Micros(disabledAt)), ("@reason", disabledReason),
                    .. disabledAt is null ? Array.Empty<(string, object?)>() : [("@enabled", false)]]);
        }, cancellationToken);
    }

    public Task ScheduleRetriesAsync(IReadOnlyList<WebhookRetry> retries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retries);
        if (retries.Count == 0)
        {
            return Task.CompletedTask;
        }

        // One row per endpoint and event: a chunk must not name the same pair twice (PostgreSQL refuses to update a row
        // twice in one statement), so the last of each pair wins, as it would one statement at a time.
        var rows = retries.GroupBy(r => (r.EndpointId, r.EventId)).Select(g => g.Last()).ToList();
        return _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            foreach (var chunk in rows.Chunk(Chunk))
            {
                await using var command = EventLogDialect.Command(connection, transaction, string.Empty);
                var values = new StringBuilder();
                for (var i = 0; i < chunk.Length; i++)
                {
                    var r = chunk[i];
                    values.Append(i == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"(@e{i}, @v{i}, @p{i}, @a{i}, @d{i})");
                    EventLogDialect.Add(command, $"@e{i}", r.EndpointId);
                    EventLogDialect.Add(command, $"@v{i}", r.EventId);
                    EventLogDialect.Add(command, $"@p{i}", r.Position);
                    EventLogDialect.Add(command, $"@a{i}", r.Attempt);
                    EventLogDialect.Add(command, $"@d{i}", WebhookSchema.Micros(r.DueAt));
                }

                command.CommandText = $"""
                    INSERT INTO {WebhookSchema.Retries} ({WebhookSchema.RetryColumns}) VALUES {values}
                    ON CONFLICT (endpoint_id, event_id) DO UPDATE SET position = excluded.position, attempt = excluded.attempt, due_at = excluded.due_at
                    """;
                await command.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookRetry>> DueRetriesAsync(string endpointId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null,
            $"SELECT {WebhookSchema.RetryColumns} FROM {WebhookSchema.Retries} WHERE endpoint_id = @id AND due_at <= @now ORDER BY due_at, event_id LIMIT @limit");
        EventLogDialect.Add(command, "@id", endpointId);
        EventLogDialect.Add(command, "@now", WebhookSchema.Micros(now));
        EventLogDialect.Add(command, "@limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = new List<WebhookRetry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new WebhookRetry(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), WebhookSchema.Time(reader.GetInt64(4))));
        }

        return due;
    }

    public async Task<(int Count, DateTimeOffset? NextDueAt)> PendingRetriesAsync(string endpointId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null,
            $"SELECT count(*), min(due_at) FROM {WebhookSchema.Retries} WHERE endpoint_id = @id");
        EventLogDialect.Add(command, "@id", endpointId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (0, null);
        }

        var count = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
        return (count, reader.IsDBNull(1) ? null : WebhookSchema.Time(reader.GetInt64(1)));
    }

    public Task RemoveRetriesAsync(string endpointId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentNullException.ThrowIfNull(eventIds);
        if (eventIds.Count == 0)
        {
            return Task.CompletedTask;
        }

        return _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            foreach (var chunk in eventIds.Distinct(StringComparer.Ordinal).Chunk(Chunk))
            {
                await using var command = EventLogDialect.Command(connection, transaction, string.Empty);
                EventLogDialect.Add(command, "@id", endpointId);
                var names = new string[chunk.Length];
                for (var i = 0; i < chunk.Length; i++)
                {
                    names[i] = "@v" + i.ToString(CultureInfo.InvariantCulture);
                    EventLogDialect.Add(command, names[i], chunk[i]);
                }

                command.CommandText = $"DELETE FROM {WebhookSchema.Retries} WHERE endpoint_id = @id AND event_id IN ({string.Join(", ", names)})";
                await command.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, cancellationToken);
    }

    public Task RecordAttemptsAsync(IReadOnlyList<WebhookAttempt> attempts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        if (attempts.Count == 0)
        {
            return Task.CompletedTask;
        }

        return _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            // Chunks in the order given: seq then orders attempts recorded in the same microsecond as they happened.
            foreach (var chunk in attempts.Chunk(Chunk / 2))
            {
                await using var command = EventLogDialect.Command(connection, transaction, string.Empty);
                var values = new StringBuilder();
                for (var i = 0; i < chunk.Length; i++)
                {
                    var a = chunk[i];
                    values.Append(i == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture,
                        $"(@e{i}, @v{i}, @p{i}, @n{i}, @t{i}, @s{i}, @x{i}, @l{i}, @b{i}, @o{i}, @u{i})");
                    EventLogDialect.Add(command, $"@e{i}", a.EndpointId);
                    EventLogDialect.Add(command, $"@v{i}", a.EventId);
                    EventLogDialect.Add(command, $"@p{i}", a.Position);
                    EventLogDialect.Add(command, $"@n{i}", a.Attempt);
                    EventLogDialect.Add(command, $"@t{i}", WebhookSchema.Micros(a.At));
                    EventLogDialect.Add(command, $"@s{i}", a.Status);
                    EventLogDialect.Add(command, $"@x{i}", a.Error);
                    EventLogDialect.Add(command, $"@l{i}", a.Latency.Ticks / 10);
                    EventLogDialect.Add(command, $"@b{i}", Truncate(a.ResponseBody));
                    EventLogDialect.Add(command, $"@o{i}", WebhookAttemptOutcomes.Name(a.Outcome));
                    EventLogDialect.Add(command, $"@u{i}", WebhookSchema.Micros(a.NextAttemptAt));
                }

                command.CommandText = $"INSERT INTO {WebhookSchema.Attempts} ({WebhookSchema.AttemptColumns}) VALUES {values}";
                await command.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookAttempt>> AttemptsAsync(string endpointId, string? eventId, int limit, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        var where = new StringBuilder("endpoint_id = @id");
        await using var command = EventLogDialect.Command(connection, null, string.Empty);
        EventLogDialect.Add(command, "@id", endpointId);
        if (eventId is not null)
        {
            where.Append(" AND event_id = @event");
            EventLogDialect.Add(command, "@event", eventId);
        }

        if (before is { } b)
        {
            where.Append(" AND at < @before");
            EventLogDialect.Add(command, "@before", WebhookSchema.Micros(b));
        }

        EventLogDialect.Add(command, "@limit", limit);
        command.CommandText = $"SELECT {WebhookSchema.AttemptColumns} FROM {WebhookSchema.Attempts} WHERE {where} ORDER BY at DESC, seq DESC LIMIT @limit";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = new List<WebhookAttempt>(Math.Min(limit, 1000));
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new WebhookAttempt(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetInt32(3),
                WebhookSchema.Time(reader.GetInt64(4)),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                TimeSpan.FromTicks(reader.GetInt64(7) * 10),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                WebhookAttemptOutcomes.Parse(reader.GetString(9)),
                reader.IsDBNull(10) ? null : WebhookSchema.Time(reader.GetInt64(10))));
        }

        return attempts;
    }

    public async Task<int> LastAttemptAsync(string endpointId, string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentNullException.ThrowIfNull(eventId);
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null,
            $"SELECT max(attempt) FROM {WebhookSchema.Attempts} WHERE endpoint_id = @id AND event_id = @event");
        EventLogDialect.Add(command, "@id", endpointId);
        EventLogDialect.Add(command, "@event", eventId);
        return await command.ExecuteScalarAsync(cancellationToken) is { } last and not DBNull ? Convert.ToInt32(last, CultureInfo.InvariantCulture) : 0;
    }

    public Task<int> PurgeAttemptsAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return _dialect.WriteAsync(false, (connection, transaction, ct) => ExecuteAsync(connection, transaction, $"""
            DELETE FROM {WebhookSchema.Attempts} WHERE seq IN
                (SELECT seq FROM {WebhookSchema.Attempts} WHERE at < @bound ORDER BY at LIMIT @batch)
            """, ct, ("@bound", WebhookSchema.Micros(olderThan)), ("@batch", batchSize)), cancellationToken);
    }

    public ValueTask DisposeAsync() => _ownsDialect ? _dialect.DisposeAsync() : ValueTask.CompletedTask;

    private static string? Truncate(string? body) =>
        body is { Length: > WebhookSettings.ResponseBodyLimit } ? body[..WebhookSettings.ResponseBodyLimit] : body;

    private (string, object?)[] EndpointParameters(WebhookEndpoint e) =>
    [
        ("@id", e.Id),
        ("@url", e.Url),
        ("@types", WebhookStoreNames.TypesJson(e.EventTypes)),
        ("@format", EventFormats.Name(e.Format)),
        ("@enabled", e.Enabled),
        ("@description", e.Description),
        ("@secrets", SecretsJson(e.Id, e.Secrets)),
        ("@created", WebhookSchema.Micros(e.CreatedAt)),
        ("@updated", WebhookSchema.Micros(e.UpdatedAt)),
        ("@failing", WebhookSchema.Micros(e.FailingSince)),
        ("@disabled", WebhookSchema.Micros(e.DisabledAt)),
        ("@reason", e.DisabledReason),
    ];

    private async Task<List<WebhookEndpoint>> ReadEndpointsAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await _dialect.OpenReaderAsync(cancellationToken);
        await using var command = EventLogDialect.Command(connection, null, sql);
        foreach (var (name, value) in parameters)
        {
            EventLogDialect.Add(command, name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var endpoints = new List<WebhookEndpoint>();
        while (await reader.ReadAsync(cancellationToken))
        {
            endpoints.Add(ReadEndpoint(reader));
        }

        return endpoints;
    }

    private WebhookEndpoint ReadEndpoint(DbDataReader reader)
    {
        var id = reader.GetString(0);
        return new WebhookEndpoint(
            id,
            reader.GetString(1),
            WebhookStoreNames.ParseTypes(reader.GetString(2)),
            EventFormats.TryParse(reader.GetString(3), out var format) ? format : throw new InvalidDataException($"Webhook {id} has an unknown format '{reader.GetString(3)}'."),
            reader.GetBoolean(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            ReadSecrets(id, reader.GetString(6)),
            WebhookSchema.Time(reader.GetInt64(7)),
            WebhookSchema.Time(reader.GetInt64(8)),
            reader.IsDBNull(9) ? null : WebhookSchema.Time(reader.GetInt64(9)),
            reader.IsDBNull(10) ? null : WebhookSchema.Time(reader.GetInt64(10)),
            reader.IsDBNull(11) ? null : reader.GetString(11));
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = EventLogDialect.Command(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            EventLogDialect.Add(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
