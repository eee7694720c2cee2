namespace OAuth2.Actors.Protocol;

/// <summary>
/// How a record prints a secret, a password or a token: messages reach Akka's logs (dead letters, unhandled, debug
/// receive logging) through their <c>ToString</c>, so a value that grants access never appears there in full.
/// </summary>
public static class Redact
{
    /// <summary>Shorter values show nothing at all: their last four characters would be too much of them.</summary>
    private const int ShortestWithTail = 16;

    /// <summary>At most the last four characters (as Duende IdentityServer logs tokens), enough to tell two apart.</summary>
    public static string Tail(string? value) => value switch
    {
        null => "null",
        { Length: >= ShortestWithTail } => "***" + value[^4..],
        _ => "***",
    };

    /// <summary>Whether there is a value, and nothing of it (passwords).</summary>
    public static string Hidden(string? value) => value is null ? "null" : "***";
}
