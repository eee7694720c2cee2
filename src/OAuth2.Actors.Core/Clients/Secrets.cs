using System.Buffers;
using System.Buffers.Text;
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

    /// <summary>Constant-time comparison of a presented secret with a stored hash (on the stack: it runs on every client authentication).</summary>
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

        Span<byte> salt = stackalloc byte[64];
        Span<byte> expected = stackalloc byte[64];
        if (!Base64Url.TryDecodeFromChars(storedHash.AsSpan(0, dot), salt, out var saltLength)
            || !Base64Url.TryDecodeFromChars(storedHash.AsSpan(dot + 1), expected, out var expectedLength))
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var inputLength = saltLength + Encoding.UTF8.GetMaxByteCount(presented.Length);
        var rented = inputLength > 512 ? ArrayPool<byte>.Shared.Rent(inputLength) : null;
        try
        {
            var input = rented is null ? stackalloc byte[inputLength] : rented.AsSpan(0, inputLength);
            salt[..saltLength].CopyTo(input);
            var written = saltLength + Encoding.UTF8.GetBytes(presented, input[saltLength..]);
            SHA256.HashData(input[..written], digest);
            return CryptographicOperations.FixedTimeEquals(digest, expected[..expectedLength]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
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
