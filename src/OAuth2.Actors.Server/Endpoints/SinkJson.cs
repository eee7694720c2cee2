using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>A durable sink's status as the admin API and <c>/events/health</c> show it (snake_case).</summary>
public static class SinkJson
{
    public static object Body(SinkStatus s) => new Dictionary<string, object?>
    {
        ["name"] = s.Sink,
        ["state"] = State(s.State),
        ["cursor"] = s.Cursor,
        ["head"] = s.Head,
        ["lag_events"] = s.LagEvents,
        ["lag_seconds"] = s.LagSeconds,
        ["lost"] = s.Lost,
        ["node"] = s.Node,
        ["counters"] = new Dictionary<string, long>
        {
            ["delivered"] = s.Counters.Delivered,
            ["failed"] = s.Counters.Failed,
            ["skipped"] = s.Counters.Skipped,
            ["replayed"] = s.Counters.Replayed,
        },
        ["replay"] = s.Replay is not { } r ? null : new Dictionary<string, object>
        {
            ["from"] = r.From,
            ["to"] = r.To,
            ["delivered"] = r.Delivered,
            ["done"] = r.Done,
        },
        ["last_error"] = s.LastError,
    };

    /// <summary>A sink whose consumer did not answer in time (shown by <c>/events/health</c>, which lists every sink).</summary>
    public static object Unknown(string name) => new Dictionary<string, object?> { ["name"] = name, ["state"] = "unknown" };

    public static string State(SinkState state) => state switch
    {
        SinkState.Starting => "starting",
        SinkState.Active => "active",
        SinkState.Paused => "paused",
        SinkState.Failing => "failing",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}
