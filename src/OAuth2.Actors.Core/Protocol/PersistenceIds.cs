namespace OAuth2.Actors.Protocol;

/// <summary>
/// The journal name of an entity keyed by request input (a client_id, a code, a refresh token's family, a username).
/// </summary>
/// <remarks>
/// A request can carry a NUL character in such a key (<c>client_id=%00</c>). No stored entity has one, but its recovery
/// still reads the journal by that name, and PostgreSQL refuses NUL in text: the read failed, the entity stopped and the
/// request timed out (503) where SQLite simply found nothing. Such a key is journaled with each NUL written as U+2400
/// (SYMBOL FOR NULL), a character no stored key holds (ids are generated base64url, usernames are ASCII letters, digits
/// and <c>._-@</c>), so the entity recovers as empty and answers as any unknown one. Every other key is used as it is:
/// existing journals keep their names.
/// </remarks>
public static class PersistenceIds
{
    public static string For(string prefix, string key) =>
        prefix + (key.Contains('\0', StringComparison.Ordinal) ? key.Replace('\0', '\u2400') : key);
}
