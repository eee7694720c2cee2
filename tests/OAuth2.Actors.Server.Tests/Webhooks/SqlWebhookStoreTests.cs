using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.EventLog;
using OAuth2.Actors.Server.Tests.EventLog;
using OAuth2.Actors.Server.Webhooks;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>
/// The webhook tables beside the event log (SQLite, or PostgreSQL with OAUTH2_TEST_DATABASE=postgres): endpoints,
/// scheduled retries, the attempts log and its purge, and secrets at rest.
/// </summary>
public sealed class SqlWebhookStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_endpoint_must_read_back_as_it_was_created_and_updated_with_every_field()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        var endpoint = Endpoint("wh_a") with
        {
            Description = "audit pipeline",
            Secrets = [new WebhookSecret(Secret(), T0.AddMinutes(1), null), new WebhookSecret(Secret(), T0, T0.AddHours(24))],
        };

        await store.CreateAsync(endpoint, None);

        AssertSame(endpoint, await store.GetAsync("wh_a", None));
        var changed = endpoint with
        {
            Url = "https://hooks.example.com/other",
            EventTypes = ["token_*"],
            Format = EventFormat.CloudEventsStructured,
            Enabled = false,
            Description = null,
            UpdatedAt = T0.AddMinutes(5).AddTicks(10),
            FailingSince = T0.AddMinutes(3),
            DisabledAt = T0.AddMinutes(4),
            DisabledReason = "410 Gone",
            CreatedAt = T0.AddYears(1),
        };
        Assert.True(await store.UpdateAsync(changed, None));
        // CreatedAt is the creation's: an update does not move it.
        AssertSame(changed with { CreatedAt = endpoint.CreatedAt }, await store.GetAsync("wh_a", None));
        Assert.Null(await store.GetAsync("wh_missing", None));
        Assert.False(await store.UpdateAsync(Endpoint("wh_missing"), None));
    }

    [Fact]
    public async Task List_must_return_every_endpoint_oldest_first()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        await store.CreateAsync(Endpoint("wh_c") with { CreatedAt = T0.AddMinutes(2) }, None);
        await store.CreateAsync(Endpoint("wh_a") with { CreatedAt = T0.AddMinutes(1) }, None);
        await store.CreateAsync(Endpoint("wh_b") with { CreatedAt = T0.AddMinutes(3) }, None);

        Assert.Equal(["wh_a", "wh_c", "wh_b"], (await store.ListAsync(None)).Select(e => e.Id));
    }

    [Fact]
    public async Task Creating_an_endpoint_twice_must_fail()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        await store.CreateAsync(Endpoint("wh_a"), None);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.CreateAsync(Endpoint("wh_a"), None));
    }

    [Fact]
    public async Task Delete_must_remove_the_endpoint_with_its_retries_and_attempts_and_nothing_of_another()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        foreach (var id in new[] { "wh_a", "wh_b" })
        {
            await store.CreateAsync(Endpoint(id), None);
            await store.ScheduleRetriesAsync([new WebhookRetry(id, "ev-1", 1, 2, T0)], None);
            await store.RecordAttemptsAsync([Attempt(id, "ev-1", 1, T0)], None);
        }

        Assert.True(await store.DeleteAsync("wh_a", None));

        Assert.Null(await store.GetAsync("wh_a", None));
        Assert.Equal((0, null), await store.PendingRetriesAsync("wh_a", None));
        Assert.Empty(await store.AttemptsAsync("wh_a", null, 10, null, None));
        Assert.Equal(0, await store.LastAttemptAsync("wh_a", "ev-1", None));
        Assert.NotNull(await store.GetAsync("wh_b", None));
        Assert.Equal(1, (await store.PendingRetriesAsync("wh_b", None)).Count);
        Assert.Single(await store.AttemptsAsync("wh_b", null, 10, null, None));
        Assert.False(await store.DeleteAsync("wh_a", None));
    }

    [Fact]
    public async Task SetFailureState_must_change_only_the_failure_state_and_disabling_must_turn_the_endpoint_off()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        var endpoint = Endpoint("wh_a");
        await store.CreateAsync(endpoint, None);

        await store.SetFailureStateAsync("wh_a", T0.AddHours(1), null, null, None);
        AssertSame(endpoint with { FailingSince = T0.AddHours(1) }, await store.GetAsync("wh_a", None));

        await store.SetFailureStateAsync("wh_a", T0.AddHours(1), T0.AddDays(5), "failing for 5 days", None);
        AssertSame(endpoint with { FailingSince = T0.AddHours(1), DisabledAt = T0.AddDays(5), DisabledReason = "failing for 5 days", Enabled = false },
            await store.GetAsync("wh_a", None));

        // Clearing the state does not enable it again: that is an admin's decision (UpdateAsync).
        await store.SetFailureStateAsync("wh_a", null, null, null, None);
        AssertSame(endpoint with { Enabled = false }, await store.GetAsync("wh_a", None));
    }

    [Fact]
    public async Task Retries_must_be_one_per_endpoint_and_event_found_when_due_soonest_first_and_removed_in_batches()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        await store.ScheduleRetriesAsync(
        [
            new WebhookRetry("wh_a", "ev-1", 1, 2, T0.AddSeconds(30)),
            new WebhookRetry("wh_a", "ev-2", 2, 2, T0.AddSeconds(10)),
            new WebhookRetry("wh_a", "ev-3", 3, 2, T0.AddMinutes(5)),
            new WebhookRetry("wh_b", "ev-1", 1, 2, T0),
            // The same pair twice in one batch: the last one wins.
            new WebhookRetry("wh_a", "ev-4", 4, 2, T0.AddSeconds(1)),
            new WebhookRetry("wh_a", "ev-4", 4, 3, T0.AddSeconds(20)),
        ], None);

        Assert.Equal(
            [new WebhookRetry("wh_a", "ev-2", 2, 2, T0.AddSeconds(10)), new WebhookRetry("wh_a", "ev-4", 4, 3, T0.AddSeconds(20)), new WebhookRetry("wh_a", "ev-1", 1, 2, T0.AddSeconds(30))],
            await store.DueRetriesAsync("wh_a", T0.AddMinutes(1), 10, None));
        Assert.Equal(["ev-2", "ev-4"], (await store.DueRetriesAsync("wh_a", T0.AddMinutes(1), 2, None)).Select(r => r.EventId));
        Assert.Empty(await store.DueRetriesAsync("wh_a", T0, 10, None));
        Assert.Equal((4, T0.AddSeconds(10)), await store.PendingRetriesAsync("wh_a", None));

        // Rescheduling an event moves its one row.
        await store.ScheduleRetriesAsync([new WebhookRetry("wh_a", "ev-2", 2, 3, T0.AddMinutes(10))], None);
        Assert.Equal((4, T0.AddSeconds(20)), await store.PendingRetriesAsync("wh_a", None));
        Assert.Equal(["ev-4", "ev-1", "ev-3", "ev-2"], (await store.DueRetriesAsync("wh_a", T0.AddHours(1), 10, None)).Select(r => r.EventId));

        await store.RemoveRetriesAsync("wh_a", ["ev-1", "ev-4", "ev-unknown"], None);
        Assert.Equal(["ev-3", "ev-2"], (await store.DueRetriesAsync("wh_a", T0.AddHours(1), 10, None)).Select(r => r.EventId));
        Assert.Equal((1, T0), await store.PendingRetriesAsync("wh_b", None));
        Assert.Equal((0, null), await store.PendingRetriesAsync("wh_none", None));
    }

    [Fact]
    public async Task Batches_larger_than_one_statement_must_be_written_whole()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        var ids = Enumerable.Range(0, 1_000).Select(i => $"ev-{i:D4}").ToList();

        await store.ScheduleRetriesAsync(ids.Select((id, i) => new WebhookRetry("wh_a", id, i, 2, T0.AddMilliseconds(i))).ToList(), None);
        await store.RecordAttemptsAsync(ids.Select((id, i) => Attempt("wh_a", id, 1, T0.AddMilliseconds(i))).ToList(), None);

        Assert.Equal((1_000, T0), await store.PendingRetriesAsync("wh_a", None));
        Assert.Equal(1_000, (await store.AttemptsAsync("wh_a", null, 5_000, null, None)).Count);
        await store.RemoveRetriesAsync("wh_a", ids.Take(999).ToList(), None);
        Assert.Equal((1, T0.AddMilliseconds(999)), await store.PendingRetriesAsync("wh_a", None));
    }

    [Fact]
    public async Task Attempts_must_read_back_newest_first_by_event_and_in_pages_with_every_field()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        var failed = new WebhookAttempt("wh_a", "ev-1", 7, 1, T0, 500, "HTTP 500", TimeSpan.FromMilliseconds(12.345), "oops", WebhookAttemptOutcome.Retrying, T0.AddSeconds(5));
        var refused = new WebhookAttempt("wh_a", "ev-2", 8, 1, T0.AddTicks(10), null, "loopback address refused", TimeSpan.Zero, null, WebhookAttemptOutcome.Refused, null);
        var delivered = new WebhookAttempt("wh_a", "ev-1", 7, 2, T0.AddSeconds(5), 204, null, TimeSpan.FromMilliseconds(3), string.Empty, WebhookAttemptOutcome.Delivered, null);
        var disabled = new WebhookAttempt("wh_a", "ev-3", 9, 1, T0.AddSeconds(6), 410, "HTTP 410", TimeSpan.FromMilliseconds(1), null, WebhookAttemptOutcome.EndpointDisabled, null);
        var gaveUp = new WebhookAttempt("wh_a", "ev-4", 10, 8, T0.AddSeconds(7), null, "timeout", TimeSpan.FromSeconds(15), null, WebhookAttemptOutcome.GaveUp, null);
        await store.RecordAttemptsAsync([failed, refused], None);
        await store.RecordAttemptsAsync([delivered, disabled, gaveUp, Attempt("wh_b", "ev-1", 1, T0.AddHours(1))], None);

        Assert.Equal([gaveUp, disabled, delivered, refused, failed], await store.AttemptsAsync("wh_a", null, 10, null, None));
        Assert.Equal([delivered, failed], await store.AttemptsAsync("wh_a", "ev-1", 10, null, None));
        var first = await store.AttemptsAsync("wh_a", null, 2, null, None);
        Assert.Equal([gaveUp, disabled], first);
        Assert.Equal([delivered, refused], await store.AttemptsAsync("wh_a", null, 2, first[^1].At, None));
        Assert.Equal([failed], await store.AttemptsAsync("wh_a", null, 2, refused.At, None));
        Assert.Equal(2, await store.LastAttemptAsync("wh_a", "ev-1", None));
        Assert.Equal(0, await store.LastAttemptAsync("wh_a", "ev-9", None));
    }

    [Fact]
    public async Task A_response_body_must_be_kept_to_the_limit()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        var body = new string('x', WebhookSettings.ResponseBodyLimit * 3);

        await store.RecordAttemptsAsync([Attempt("wh_a", "ev-1", 1, T0) with { ResponseBody = body }], None);

        Assert.Equal(body[..WebhookSettings.ResponseBodyLimit], Assert.Single(await store.AttemptsAsync("wh_a", null, 1, null, None)).ResponseBody);
    }

    [Fact]
    public async Task PurgeAttempts_must_delete_only_attempts_older_than_the_bound_at_most_a_batch_at_a_time()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        await store.RecordAttemptsAsync(Enumerable.Range(0, 10).Select(i => Attempt(i % 2 == 0 ? "wh_a" : "wh_b", $"ev-{i}", 1, T0.AddDays(i))).ToList(), None);

        Assert.Equal(3, await store.PurgeAttemptsAsync(T0.AddDays(5), 3, None));
        Assert.Equal(2, await store.PurgeAttemptsAsync(T0.AddDays(5), 3, None));
        Assert.Equal(0, await store.PurgeAttemptsAsync(T0.AddDays(5), 3, None));

        var left = (await store.AttemptsAsync("wh_a", null, 10, null, None)).Concat(await store.AttemptsAsync("wh_b", null, 10, null, None));
        Assert.Equal(Enumerable.Range(5, 5).Select(i => $"ev-{i}"), left.Select(a => a.EventId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Another_node_must_see_the_same_endpoints_retries_and_attempts()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        await using var other = new SqlWebhookStore(log.Database, null);
        await other.InitializeAsync(None);

        await store.CreateAsync(Endpoint("wh_a"), None);
        await other.ScheduleRetriesAsync([new WebhookRetry("wh_a", "ev-1", 1, 2, T0)], None);
        await store.RecordAttemptsAsync([Attempt("wh_a", "ev-1", 1, T0)], None);

        AssertSame(Endpoint("wh_a"), await other.GetAsync("wh_a", None));
        Assert.Equal((1, T0), await store.PendingRetriesAsync("wh_a", None));
        Assert.Single(await other.AttemptsAsync("wh_a", null, 10, null, None));
    }

    [Fact]
    public async Task With_a_key_encryption_key_secrets_must_be_sealed_at_rest_and_read_back_in_clear()
    {
        await using var log = await TestEventLog.Create();
        var kek = KeyEncryptionKey.Generate();
        var store = await Open(log, kek);
        var endpoint = Endpoint("wh_a");

        await store.CreateAsync(endpoint, None);

        var stored = await RawSecrets(log, "wh_a");
        Assert.DoesNotContain(endpoint.Secrets[0].Value, stored, StringComparison.Ordinal);
        Assert.Contains(KeyEncryptionKey.Prefix + kek.KeyId, stored, StringComparison.Ordinal);
        AssertSame(endpoint, await store.GetAsync("wh_a", None));
    }

    [Fact]
    public async Task Without_a_key_encryption_key_secrets_must_be_stored_in_clear()
    {
        await using var log = await TestEventLog.Create();
        var store = await Open(log, null);
        var endpoint = Endpoint("wh_a");

        await store.CreateAsync(endpoint, None);

        Assert.Contains(endpoint.Secrets[0].Value, await RawSecrets(log, "wh_a"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_stored_in_clear_must_be_sealed_at_start_once_a_key_encryption_key_is_configured()
    {
        await using var log = await TestEventLog.Create();
        var endpoint = Endpoint("wh_a");
        await (await Open(log, null)).CreateAsync(endpoint, None);
        var kek = KeyEncryptionKey.Generate();

        var store = await Open(log, kek);

        Assert.DoesNotContain(endpoint.Secrets[0].Value, await RawSecrets(log, "wh_a"), StringComparison.Ordinal);
        AssertSame(endpoint, await store.GetAsync("wh_a", None));
    }

    [Fact]
    public async Task Secrets_sealed_with_another_key_or_without_one_configured_must_stop_the_start_naming_the_key()
    {
        await using var log = await TestEventLog.Create();
        var kek = KeyEncryptionKey.Generate();
        await (await Open(log, kek)).CreateAsync(Endpoint("wh_a"), None);

        var withoutKek = await Assert.ThrowsAsync<KeyEncryptionException>(() => Open(log, null));
        var withAnother = await Assert.ThrowsAsync<KeyEncryptionException>(() => Open(log, KeyEncryptionKey.Generate()));

        Assert.Contains(kek.KeyId, withoutKek.Message, StringComparison.Ordinal);
        Assert.Contains("OAUTH2_KEY_ENCRYPTION_KEY_FILE", withoutKek.Message, StringComparison.Ordinal);
        Assert.Contains(kek.KeyId, withAnother.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sealed_secret_moved_to_another_endpoint_must_not_open()
    {
        await using var log = await TestEventLog.Create();
        var kek = KeyEncryptionKey.Generate();
        var store = await Open(log, kek);
        await store.CreateAsync(Endpoint("wh_a"), None);
        await store.CreateAsync(Endpoint("wh_b"), None);

        await using (var connection = await log.Store.Dialect.OpenReaderAsync(None))
        await using (var command = EventLogDialect.Command(connection, null,
            $"UPDATE {WebhookSchema.Endpoints} SET secrets = (SELECT secrets FROM {WebhookSchema.Endpoints} WHERE id = 'wh_a') WHERE id = 'wh_b'"))
        {
            await command.ExecuteNonQueryAsync(None);
        }

        await Assert.ThrowsAsync<KeyEncryptionException>(() => store.GetAsync("wh_b", None));
    }

    [Fact]
    public void ToString_of_an_endpoint_must_not_show_its_secret()
    {
        var endpoint = Endpoint("wh_a");

        Assert.DoesNotContain(endpoint.Secrets[0].Value, endpoint.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(endpoint.Secrets[0].Value, endpoint.Secrets[0].ToString(), StringComparison.Ordinal);
    }

    private static async Task<SqlWebhookStore> Open(TestEventLog log, KeyEncryptionKey? kek)
    {
        var store = new SqlWebhookStore(log.Store, kek);
        await store.InitializeAsync(None);
        return store;
    }

    private static async Task<string> RawSecrets(TestEventLog log, string id)
    {
        await using var connection = await log.Store.Dialect.OpenReaderAsync(None);
        await using var command = EventLogDialect.Command(connection, null, $"SELECT secrets FROM {WebhookSchema.Endpoints} WHERE id = @id");
        EventLogDialect.Add(command, "@id", id);
        // The stored values, unescaped (JSON writes '+' of base64 as \u002B).
        var json = (string)(await command.ExecuteScalarAsync(None))!;
        return string.Join('\n', JsonDocument.Parse(json).RootElement.EnumerateArray().Select(s => s.GetProperty("value").GetString()));
    }

    private static string Secret() => WebhookSecret.Prefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static readonly string FixedSecret = Secret();

    private static WebhookEndpoint Endpoint(string id) => new(
        id,
        "https://hooks.example.com/" + id,
        ["token_created", "user_*"],
        EventFormat.Envelope,
        true,
        null,
        [new WebhookSecret(FixedSecret, T0, null)],
        T0,
        T0,
        null,
        null,
        null);

    private static WebhookAttempt Attempt(string endpointId, string eventId, int attempt, DateTimeOffset at) =>
        new(endpointId, eventId, 1, attempt, at, 200, null, TimeSpan.FromMilliseconds(2), "ok", WebhookAttemptOutcome.Delivered, null);

    private static void AssertSame(WebhookEndpoint expected, WebhookEndpoint? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Url, actual.Url);
        Assert.Equal(expected.EventTypes, actual.EventTypes);
        Assert.Equal(expected.Format, actual.Format);
        Assert.Equal(expected.Enabled, actual.Enabled);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Secrets, actual.Secrets);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
        Assert.Equal(expected.FailingSince, actual.FailingSince);
        Assert.Equal(expected.DisabledAt, actual.DisabledAt);
        Assert.Equal(expected.DisabledReason, actual.DisabledReason);
    }
}
