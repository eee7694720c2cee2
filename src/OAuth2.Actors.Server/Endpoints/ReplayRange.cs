using System.Text.Json;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The body of <c>POST /admin/api/sinks/{name}/replay</c>: <c>{"from": ..., "to": ...}</c>, each a log position (a
/// non-negative integer) or an RFC 3339 time; both bounds inclusive.
/// </summary>
public sealed record ReplayRange(LogBound From, LogBound To)
{
    public static (ReplayRange? Range, string? Problem) Parse(IReadOnlyDictionary<string, JsonElement> body)
    {
        if (body.Keys.FirstOrDefault(k => k is not ("from" or "to")) is { } other)
        {
            return (null, $"'{other}' is not a replay parameter; give only from and to.");
        }

        var (from, fromProblem) = Bound(body, "from");
        var (to, toProblem) = Bound(body, "to");
        if (from is null || to is null)
        {
            return (null, fromProblem ?? toProblem);
        }

        if ((from.Position > to.Position) || (from.Time > to.Time))
        {
            return (null, "from must not be after to.");
        }

        return (new ReplayRange(from, to), null);
    }

    private static (LogBound? Bound, string? Problem) Bound(IReadOnlyDictionary<string, JsonElement> body, string name)
    {
        if (!body.TryGetValue(name, out var value))
        {
            return (null, $"'{name}' is required: a log position (an integer, 0 or more) or an RFC 3339 time such as {Rfc3339.Example}.");
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var position) && position >= 0 => (LogBound.AtPosition(position), null),
            JsonValueKind.String when Rfc3339.TryParse(value.GetString(), out var time) => (LogBound.AtTime(time), null),
            JsonValueKind.String => (null, Rfc3339.Problem(name, value.GetString())),
            _ => (null, $"'{name}' must be a log position (an integer, 0 or more) or an RFC 3339 time such as {Rfc3339.Example}."),
        };
    }
}
