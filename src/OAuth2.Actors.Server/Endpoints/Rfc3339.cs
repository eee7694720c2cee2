using System.Globalization;
using System.Text.RegularExpressions;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>RFC 3339 date-times as the HTTP parameters take them: a full date and time with a zone (Z or ±hh:mm).</summary>
public static partial class Rfc3339
{
    public const string Example = "2024-01-15T10:30:00Z";

    public static bool TryParse(string? value, out DateTimeOffset time)
    {
        time = default;
        return value is not null
            && Shape().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    /// <summary>Why <paramref name="value"/> is refused, for the problem's detail (a '+' left unescaped arrives as a space).</summary>
    public static string Problem(string name, string? value) =>
        value is not null && value.Contains(' ', StringComparison.Ordinal)
            ? $"{name} '{value}' is not an RFC 3339 date-time such as {Example} (escape '+' in an offset as %2B)."
            : $"{name} '{value}' is not an RFC 3339 date-time such as {Example}.";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
