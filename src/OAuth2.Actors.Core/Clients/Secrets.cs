using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Clients;

/// <summary>
/// Server-generated secrets and their salted hashes. Client secrets and registration access tokens carry 256 bits
/// of entropy, so a salted SHA-256 is enough to keep them unrecoverable from storage while letting client
/// authentication run at thousands of requests per second (a slow password hash is for low-entropy passwords).
/// </summary>
public static class Secrets
{
    public const int SecretBytes = 32;

    public static string NewSecret() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string NewClientId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    /// <summary>Returns <c>salt.hash</c>, both base64url.</summary>
    public static string Hash(string secret)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return $"{Base64UrlEncoder.Encode(salt)}.{Base64UrlEncoder.Encode(Digest(salt, secret))}";
    }

    /// <summary>Constant-time comparison of a presented secret with a stored hash.</summary>
    public static bool Verify(string? presented, string? storedHash)
    {
        if (presented is null || storedHash is null)
        {
            return false;
        }

        var dot = storedHash.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        var salt = Base64UrlEncoder.DecodeBytes(storedHash[..dot]);
        var expected = Base64UrlEncoder.DecodeBytes(storedHash[(dot + 1)..]);
        return CryptographicOperations.FixedTimeEquals(Digest(salt, presented), expected);
    }

    /// <summary>Constant-time equality of two configured secrets (such as the initial access token).</summary>
    public static bool FixedTimeEquals(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
    }

    private static byte[] Digest(byte[] salt, string secret)
    {
        var secretBytes = Encoding.UTF8.GetBytes(secret);
        var input = new byte[salt.Length + secretBytes.Length];
        salt.CopyTo(input, 0);
        secretBytes.CopyTo(input, salt.Length);
        return SHA256.HashData(input);
    }
}
