namespace OAuth2.Actors.Server.Tests.EventLog;

/// <summary>
/// Per-sink filters (OAUTH2_EVENTS_SINK_{SINK}_TYPES, _MIN_SEVERITY) narrow what one sink receives while the log keeps
/// everything; a rate limit (_RATE) makes events wait in the log, never drops them.
/// </summary>
public sealed class SinkFilterAndRateTests : EventLogHostTests
{
    [Fact]
    public async Task Sink_with_a_type_glob_must_receive_only_matching_events_while_the_log_has_all()
    {
        await using var host = await Start([("OAUTH2_EVENTS_SINK_IN_MEMORY_TYPES", "token_*")]);

        // Real OAuth2 traffic through Duende.IdentityModel: registration, tokens, introspection, revocation.
        var client = await host.Register(scope: "read write");
        var tokens = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            tokens.Add(await host.AccessToken(client));
        }

        using (var introspection = await host.Introspect(tokens[0], client))
        {
            Assert.True(introspection.IsActive, introspection.Raw);
        }

        using (var revocation = await host.Revoke(tokens[1], client))
        {
            Assert.False(revocation.IsError, revocation.Raw);
        }

        await host.WaitForEvents($"client_id={client.ClientId}&limit=1000", e => e.Type() == "token_revoked");
        var inLog = await host.AllEvents($"client_id={client.ClientId}&order=asc&limit=100");
        Assert.Contains(inLog, e => e.Type() == "client_registered");
        var tokenEvents = inLog.Where(e => e.Type()!.StartsWith("token_", StringComparison.Ordinal)).Select(e => e.Id()!).ToHashSet();
        Assert.Contains(inLog, e => e.Type() == "token_created");
        Assert.Contains(inLog, e => e.Type() == "token_validated");

        await host.WaitForSinkCaughtUp(EventBackends.InMemory);
        var received = InMemoryReceived(host);
        Assert.All(received, e => Assert.StartsWith("token_", EventTypeNames.Name(e.Event.EventType), StringComparison.Ordinal));
        var receivedForClient = received.Where(e => e.Event.ClientId == client.ClientId).Select(e => e.Event.Id).ToArray();
        Assert.Equal(receivedForClient.Length, receivedForClient.Distinct().Count());
        Assert.True(tokenEvents.SetEquals(receivedForClient), $"the sink has {receivedForClient.Length} of the client's events, the log {tokenEvents.Count} token events");

        // Every status request is itself token traffic (a bearer check): the counter and the sink agree once it is delivered.
        var status = await Eventually.Until(() => host.Sink(EventBackends.InMemory), s => s.Delivered == InMemorySink(host).Count, "the in_memory sink's delivered counter to equal what it holds");
        Assert.True(status.Skipped > 0, $"the events the filter left out are counted: {status}");
    }

    [Fact]
    public async Task Sink_with_a_minimum_severity_must_receive_only_events_at_or_above_it()
    {
        var destination = new SwitchedDestination();
        await using var host = await Start([("OAUTH2_EVENTS_BACKEND", "in_memory,recorder"), ("OAUTH2_EVENTS_SINK_RECORDER_MIN_SEVERITY", "warning"), .. QuietLog], destination);
        var severities = new[] { "info", "warning", "error", "critical" };
        var sent = Enumerable.Range(0, 40).Select(i => (Id: NewId("sev"), Severity: severities[i % 4])).ToArray();

        foreach (var (id, severity) in sent)
        {
            await IngestAccepted(host, Envelope(id, severity: severity));
        }

        await host.WaitForSinkCaughtUp("recorder");
        await host.WaitForSinkCaughtUp(EventBackends.InMemory);
        var received = destination.ReceivedIds.ToHashSet();
        var expected = sent.Where(s => s.Severity != "info").Select(s => s.Id).ToHashSet();
        Assert.True(expected.SetEquals(received.Intersect(sent.Select(s => s.Id))), $"received {received.Count}, expected the {expected.Count} of warning and above");
        Assert.All(destination.Received, e => Assert.True(e.Event.Severity >= EventSeverity.Warning, e.Event.Id));
        // The log and the unfiltered sink have all of them.
        Assert.All(sent, s => Assert.Single(InMemoryReceived(host), e => e.Event.Id == s.Id));
        foreach (var (id, _) in sent.Where(s => s.Severity == "info"))
        {
            Assert.Equal(HttpStatusCode.OK, (await host.EventById(id)).Status);
        }
    }

    [Fact]
    public async Task Rate_limited_sink_must_receive_every_event_eventually_and_its_counters_must_agree()
    {
        const int count = 1_500;
        var destination = new SwitchedDestination();
        await using var host = await Start([("OAUTH2_EVENTS_BACKEND", "in_memory,recorder"), ("OAUTH2_EVENTS_SINK_RECORDER_RATE", "300"), ("OAUTH2_EVENTS_IN_MEMORY_MAX", "100000"), .. QuietLog], destination);
        var ids = Enumerable.Range(0, count).Select(i => NewId("rate")).ToArray();

        await IngestInParallel(host, ids.Select(id => Envelope(id)).ToArray());

        var caughtUp = await host.WaitForSinkCaughtUp("recorder", TimeSpan.FromSeconds(120));
        var received = destination.ReceivedIds;
        Assert.Empty(ids.Except(received));
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(received.Count, caughtUp.Delivered);
        Assert.Equal(0, caughtUp.Failed);
        Assert.Equal(0, caughtUp.Lost);
        Assert.Equal(0, caughtUp.LagEvents);
        // The unlimited sink next to it got the same events, and the log holds them all.
        var inMemory = InMemoryReceived(host).Select(e => e.Event.Id).ToHashSet();
        Assert.Empty(ids.Except(inMemory));
        Assert.Equal(count, (await host.AllEvents("event_type=user_authenticated&limit=1000")).Count(e => ids.Contains(e.Id())));
    }
}
