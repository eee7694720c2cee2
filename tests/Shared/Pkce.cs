using System.Security.Cryptography;
using System.Text;

namespace OAuth2.Actors.Testing;

/// <summary>RFC 7636 S256: a random verifier and its challenge.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce New()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(48));
        return new Pkce(verifier, ChallengeOf(verifier));
    }

    public static string ChallengeOf(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
