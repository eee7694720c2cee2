using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// Standard Webhooks signing: <c>webhook-signature</c> holds, space-separated, <c>v1,</c> + base64 HMAC-SHA256 of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c> for each live secret, keyed by the base64-decoded part of the secret
/// after <c>whsec_</c>. Secrets are <c>whsec_</c> + base64 of 32 random bytes.
/// </summary>
public static class WebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>The fewest random bytes a secret may hold (the minimum).</summary>
    public const int MinSecretBytes = 24;

    private const int SecretBytes = 32;

    /// <summary>A new secret: <c>whsec_</c> + base64 of 32 bytes from <see cref="RandomNumberGenerator"/>.</summary>
    public static string NewSecret() => WebhookSecret.Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The problem with a secret given from outside (the static endpoint's), or null when it is valid.</summary>
    public static string? ValidateSecret(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal))
        {
            return $"A webhook secret is '{WebhookSecret.Prefix}' followed by base64.";
        }

        var bytes = new byte[secret.Length];
        if (!Convert.TryFromBase64String(secret[WebhookSecret.Prefix.Length..], bytes, out var written))
        {
            return $"A webhook secret is '{WebhookSecret.Prefix}' followed by base64; the rest is not base64.";
        }

        return written < MinSecretBytes ? $"A webhook secret must hold at least {MinSecretBytes} random bytes (it holds {written})." : null;
    }

    /// <summary>The HMAC key of a secret (the bytes after <c>whsec_</c>).</summary>
    public static byte[] KeyOf(string secret)
    {
        var encoded = secret.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal) ? secret[WebhookSecret.Prefix.Length..] : secret;
        return Convert.FromBase64String(encoded);
    }

    /// <summary>The <c>webhook-signature</c> value: one <c>v1,</c> signature per key, space-separated.</summary>
    public static string Sign(string id, long timestamp, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys)
    {
        var prefix = id + "." + timestamp.ToString(CultureInfo.InvariantCulture) + ".";
        var prefixLength = Encoding.UTF8.GetByteCount(prefix);
        var length = prefixLength + body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(prefix, rented);
            body.CopyTo(rented.AsSpan(prefixLength));
            var content = rented.AsSpan(0, length);
            var signature = new StringBuilder(keys.Count * 48);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            for (var i = 0; i < keys.Count; i++)
            {
                HMACSHA256.HashData(keys[i], content, mac);
                if (i > 0)
                {
                    signature.Append(' ');
                }

                signature.Append("v1,").Append(Convert.ToBase64String(mac));
            }

            return signature.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
