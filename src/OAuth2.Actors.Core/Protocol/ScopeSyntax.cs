namespace OAuth2.Actors.Protocol;

/// <summary>RFC 6749 3.3 scope syntax: space-delimited tokens of NQCHAR (%x21 / %x23-5B / %x5D-7E).</summary>
public static class ScopeSyntax
{
    public static bool TryParse(string? value, out string[] scopes)
    {
        scopes = [];
        if (value is null)
        {
            return true;
        }

        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            foreach (var c in part)
            {
                var ok = c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
                if (!ok)
                {
                    return false;
                }
            }
        }

        scopes = parts.Distinct(StringComparer.Ordinal).ToArray();
        return true;
    }

    public static string Join(IEnumerable<string> scopes) => string.Join(' ', scopes);

    /// <summary>Whether a space-delimited scope list holds <paramref name="scope"/>, without allocating (it runs on every introspection).</summary>
    public static bool Contains(string scopeList, string scope)
    {
        foreach (var range in scopeList.AsSpan().Split(' '))
        {
            if (scopeList.AsSpan()[range].SequenceEqual(scope))
            {
                return true;
            }
        }

        return false;
    }
}
