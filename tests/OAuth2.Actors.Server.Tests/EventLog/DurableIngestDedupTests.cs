namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>Ingest deduplication is durable: it is kept in the log's database, not in a node's memory.</summary>
public sealed class DurableIngestDedupTests : EventLogHostTests
{
    [Fact]
    public async Task Same_idempotency_key_after_a_restart_must_still_be_a_duplicate_of_the_first_event()
    {
        await using var first = await Start([]);
        var key = NewId("key");
        var original = NewId("original");
        using (var accepted = await first.Ingest(Envelope(original).ToJsonString(), await first.AdminToken(), key))
        {
            Assert.Equal(("accepted", original), await Answer(accepted));
        }

        await using var second = await first.Restart();

        // Another envelope (another event id) under the same key, and the very same envelope again.
        using (var again = await second.Ingest(Envelope(NewId("retry")).ToJsonString(), await second.AdminToken(), key))
        {
            Assert.Equal(("duplicate", original), await Answer(again));
        }

        using (var same = await second.Ingest(Envelope(original).ToJsonString(), await second.AdminToken(), key))
        {
            Assert.Equal(("duplicate", original), await Answer(same));
        }

        var logged = await second.AllEvents("event_type=user_authenticated&client_id=ext-client&limit=1000");
        Assert.Equal(original, Assert.Single(logged).Id());
    }

    [Fact]
    public async Task Event_id_without_a_key_after_a_restart_must_still_be_a_duplicate()
    {
        await using var first = await Start([]);
        var id = NewId("no-key");
        using (var accepted = await first.Ingest(Envelope(id).ToJsonString(), await first.AdminToken()))
        {
            Assert.Equal(("accepted", id), await Answer(accepted));
        }

        await using var second = await first.Restart();

        using var again = await second.Ingest(Envelope(id).ToJsonString(), await second.AdminToken());
        Assert.Equal(("duplicate", id), await Answer(again));
        Assert.Equal(HttpStatusCode.OK, (await second.EventById(id)).Status);
    }

    private static async Task<(string Status, string EventId)> Answer(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("status").GetString()!, json.RootElement.GetProperty("event_id").GetString()!);
    }
}
