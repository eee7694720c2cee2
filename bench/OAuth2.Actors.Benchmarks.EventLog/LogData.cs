using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

/// <summary>
/// A month of a busy server's events, generated the same way every run: types weighted as a token service sees them,
/// 1,000 clients, 50,000 users (none on a fifth of the events: client credentials), 95% info / 4% warning / 0.9% error
/// / 0.1% critical, appended in batches evenly over 30 days, each event a few milliseconds before its batch's append
/// except one in 50 arriving late (its timestamp up to a day earlier, as an ingested event may be).
/// </summary>
internal sealed class LogData(int count, int batch)
{
    private static readonly (EventType Type, double Weight)[] Mix =
    [
        (EventType.TokenValidated, 35), (EventType.TokenCreated, 30), (EventType.ClientValidated, 15), (EventType.UserAuthenticated, 8),
        (EventType.AuthorizationCodeCreated, 4), (EventType.AuthorizationCodeValidated, 4), (EventType.TokenRevoked, 1.5),
        (EventType.UserAuthenticationFailed, 1), (EventType.TokenExpired, 0.5), (EventType.UserLogout, 0.5),
        (EventType.ClientRegistered, 0.3), (EventType.ClientDeleted, 0.1), (EventType.AuthorizationCodeExpired, 0.1),
    ];

    public static readonly DateTimeOffset End = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Begin = End.AddDays(-30);

    private readonly Random _random = new(42);
    private readonly double _total = Mix.Sum(m => m.Weight);

    /// <summary>When the batch holding <paramref name="index"/> is appended (batches evenly over the 30 days).</summary>
    public DateTimeOffset AppendedAt(int index) => Begin + ((End - Begin) * (((index / batch) + 1) / (double)((count + batch - 1) / batch)));

    public string? SomeId { get; private set; }

    /// <summary>The envelope at <paramref name="index"/>; call in order (one random sequence).</summary>
    public EventEnvelope Envelope(int index)
    {
        var pick = _random.NextDouble() * _total;
        var type = Mix[^1].Type;
        foreach (var (t, w) in Mix)
        {
            if ((pick -= w) < 0)
            {
                type = t;
                break;
            }
        }

        var s = _random.NextDouble();
        var severity = s < 0.95 ? EventSeverity.Info : s < 0.99 ? EventSeverity.Warning : s < 0.999 ? EventSeverity.Error : EventSeverity.Critical;
        var client = _random.NextDouble() < 0.02 ? null : $"client-{_random.Next(1_000)}";
        var user = _random.NextDouble() < 0.2 ? null : $"user-{_random.Next(50_000)}";
        // Emitted a few milliseconds before its batch is appended, as the writer batches them.
        var timestamp = AppendedAt(index).AddMilliseconds(-(batch - (index % batch)));
        if (index % 50 == 7)
        {
            timestamp -= TimeSpan.FromSeconds(_random.Next(86_400));
        }

        // As the server makes them (EventPublisher): UUID v7 from the event's time.
        var id = EventPublisher.NewEventId(timestamp);
        if (index == count / 2)
        {
            SomeId = id;
        }

        return new EventEnvelope(
            new AuthEvent(id, type, timestamp, severity, user, client,
                new Dictionary<string, string>
                {
                    ["grant_type"] = user is null ? "client_credentials" : "authorization_code",
                    ["scope"] = "openid profile api.read",
                    ["token_type"] = "access_token",
                    ["jti"] = Guid.NewGuid().ToString("N"),
                },
                severity == EventSeverity.Info ? null : "invalid_grant"),
            null,
            $"00-{Guid.NewGuid():N}-{_random.NextInt64():x16}-01",
            null,
            Guid.NewGuid().ToString("N"),
            "oauth2-node-1",
            timestamp,
            new Dictionary<string, string>());
    }

    /// <summary>GET /events-like queries (100 per page as the endpoint's default), and the other reads a consumer makes.</summary>
    public List<(string Name, Func<Task<int>> Run)> Queries(IEventLogStore store)
    {
        var none = CancellationToken.None;
        var mid = count / 2;
        var day15 = End.AddDays(-15);
        Func<Task<int>> Q(EventLogQuery q) => async () => (await store.QueryAsync(q, none)).Events.Count;
        return
        [
            ("newest (no filter)", Q(new EventLogQuery())),
            ("oldest (no filter, asc)", Q(new EventLogQuery(Order: LogOrder.Ascending))),
            ("after-position page, middle of the log, desc", Q(new EventLogQuery(After: mid))),
            ("after-position page, middle of the log, asc", Q(new EventLogQuery(Order: LogOrder.Ascending, After: mid))),
            ("event_type=token_revoked (1.5%)", Q(new EventLogQuery([EventType.TokenRevoked]))),
            ("event_type=client_deleted (0.1%)", Q(new EventLogQuery([EventType.ClientDeleted]))),
            ("event_type x3 (failed sign-in, revoked, client deleted)", Q(new EventLogQuery([EventType.UserAuthenticationFailed, EventType.TokenRevoked, EventType.ClientDeleted]))),
            ("event_type x3, asc, after middle", Q(new EventLogQuery([EventType.UserAuthenticationFailed, EventType.TokenRevoked, EventType.ClientDeleted], Order: LogOrder.Ascending, After: mid))),
            ("client_id (0.1%)", Q(new EventLogQuery(ClientId: "client-17"))),
            ("user_id (0.002%)", Q(new EventLogQuery(UserId: "user-4242"))),
            ("severity=critical (0.1%)", Q(new EventLogQuery(Severity: EventSeverity.Critical))),
            ("severity=warning (4%)", Q(new EventLogQuery(Severity: EventSeverity.Warning))),
            ("severity=info (95%)", Q(new EventLogQuery(Severity: EventSeverity.Info))),
            ("from=last hour", Q(new EventLogQuery(From: End.AddHours(-1)))),
            ("from/to one day, 15 days ago, desc", Q(new EventLogQuery(From: day15, To: day15.AddDays(1)))),
            ("from/to one day, 15 days ago, asc", Q(new EventLogQuery(From: day15, To: day15.AddDays(1), Order: LogOrder.Ascending))),
            ("to=20 days ago, desc", Q(new EventLogQuery(To: End.AddDays(-20)))),
            ("from=25 days ago, asc", Q(new EventLogQuery(From: End.AddDays(-25), Order: LogOrder.Ascending))),
            ("event_type + client_id", Q(new EventLogQuery([EventType.TokenCreated], ClientId: "client-17"))),
            ("client_id + user_id (no match)", Q(new EventLogQuery(ClientId: "client-17", UserId: "user-4242"))),
            ("event_type + severity (failed sign-in, warning)", Q(new EventLogQuery([EventType.UserAuthenticationFailed], Severity: EventSeverity.Warning))),
            ("client_id + from/to one week", Q(new EventLogQuery(ClientId: "client-17", From: day15, To: day15.AddDays(7)))),
            ("event_type x2 + client_id + from/to one week", Q(new EventLogQuery([EventType.TokenCreated, EventType.TokenRevoked], ClientId: "client-17", From: day15, To: day15.AddDays(7)))),
            ("severity=error + from/to one day", Q(new EventLogQuery(Severity: EventSeverity.Error, From: day15, To: day15.AddDays(1)))),
            ("all filters (type, client, user, severity, from/to)", Q(new EventLogQuery([EventType.TokenCreated], "client-17", "user-4242", EventSeverity.Info, Begin, End))),
            ("rare combination, no match (client_deleted + critical)", Q(new EventLogQuery([EventType.ClientDeleted], Severity: EventSeverity.Critical, ClientId: "client-17"))),
            ("limit 1000 (no filter)", Q(new EventLogQuery(Limit: 1_000))),
            ("FindAsync(event id)", async () => await store.FindAsync(SomeId!, none) is null ? 0 : 1),
            ("PositionAtAsync(time)", async () => (int)Math.Min(1, await store.PositionAtAsync(day15, true, none))),
            ("ReadAsync(1000 from the middle)", async () => (await store.ReadAsync(mid, 1_000, null, none)).Count),
        ];
    }
}
