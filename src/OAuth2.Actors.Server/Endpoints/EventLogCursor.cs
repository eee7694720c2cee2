using System.Buffers.Text;
using System.Globalization;
using System.Text;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// The opaque <c>cursor</c> of <c>GET /events</c>: base64url of the order and the log position the next page starts
/// after. A cursor carries its order, so one from an ascending page is refused on a descending query (it would skip or
/// repeat events).
/// </summary>
public static class EventLogCursor
{
    private const int MaxLength = 64;

    public static string Encode(LogOrder order, long after) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"1:{Letter(order)}:{after.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>The position after which the next page starts, or why the cursor cannot be used with <paramref name="order"/>.</summary>
    public static (long? After, string? Problem) Decode(string cursor, LogOrder order)
    {
        if (cursor.Length is 0 or > MaxLength || !Base64Url.IsValid(cursor))
        {
            return (null, "cursor is not a cursor this server issued; use the next_cursor of a previous page.");
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor)).Split(':');
        if (parts.Length != 3 || parts[0] != "1" || parts[1] is not ("a" or "d")
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            return (null, "cursor is not a cursor this server issued; use the next_cursor of a previous page.");
        }

        return parts[1] == Letter(order)
            ? (after, null)
            : (null, $"cursor was issued for order={(parts[1] == "a" ? "asc" : "desc")}; use it with the same order.");
    }

    private static string Letter(LogOrder order) => order == LogOrder.Ascending ? "a" : "d";
}
