using System.Security.Cryptography;
using System.Text;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// The key-encryption key (KEK, <c>OAUTH2_KEY_ENCRYPTION_KEY_FILE</c>): 32 random bytes, written in the file as base64
/// (<c>openssl rand -base64 32</c>). It encrypts what the server keeps of its own keys (the signing keys in the journal,
/// the DataProtection key ring in the database) with AES-256-GCM. Each protected value names the KEK it was made with by
/// a short id (a hash of the key, not the key), so a server started with another KEK says so instead of failing later.
/// </summary>
/// <remarks>
/// Protected form: <c>kek1:{kek id}:{base64(nonce[12] | tag[16] | ciphertext)}</c>; the purpose (what the value is)
/// is bound as associated data, so a value cannot be moved from one use to another.
/// </remarks>
public sealed class KeyEncryptionKey
{
    public const string Prefix = "kek1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key)
    {
        _key = key;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));
    }

    /// <summary>Names this KEK in what it protects: the first 8 bytes of its SHA-256, in hex.</summary>
    public string KeyId { get; }

    /// <summary>A new random KEK (tests, and the text of a new key file: <see cref="ToFileText"/>).</summary>
    public static KeyEncryptionKey Generate() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>Reads a KEK file: base64 of exactly 32 bytes, surrounding white space ignored.</summary>
    /// <exception cref="FormatException">The file does not hold 32 bytes in base64.</exception>
    public static KeyEncryptionKey FromFileText(string text)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException("it is not base64 (write 32 random bytes in base64, e.g. `openssl rand -base64 32`).");
        }

        return key.Length == 32
            ? new KeyEncryptionKey(key)
            : throw new FormatException($"it holds {key.Length} bytes; a key-encryption key is 32 random bytes in base64 (e.g. `openssl rand -base64 32`).");
    }

    public static KeyEncryptionKey FromFile(string path) => FromFileText(File.ReadAllText(path));

    public string ToFileText() => Convert.ToBase64String(_key);

    /// <summary>True for a value in the protected form (whatever KEK made it).</summary>
    public static bool IsProtected(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The id of the KEK that protected <paramref name="value"/>, or null when it is not protected.</summary>
    public static string? KeyIdOf(string value)
    {
        if (!IsProtected(value))
        {
            return null;
        }

        var end = value.IndexOf(':', Prefix.Length);
        return end < 0 ? string.Empty : value[Prefix.Length..end];
    }

    public string Protect(string plaintext, string purpose)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(purpose));
        CryptographicOperations.ZeroMemory(plain);
        return $"{Prefix}{KeyId}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <exception cref="KeyEncryptionException">Protected with another KEK, damaged, or for another purpose.</exception>
    public string Unprotect(string value, string purpose)
    {
        var keyId = KeyIdOf(value) ?? throw new KeyEncryptionException("The value is not in the protected form.");
        if (!string.Equals(keyId, KeyId, StringComparison.Ordinal))
        {
            throw new KeyEncryptionException(WrongKeyMessage(keyId, KeyId));
        }

        try
        {
            var sealedBytes = Convert.FromBase64String(value[(Prefix.Length + keyId.Length + 1)..]);
            var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(purpose));
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or OverflowException or ArgumentException)
        {
            throw new KeyEncryptionException($"A value protected with key-encryption key {keyId} does not decrypt (damaged, or made for another use).", e);
        }
    }

    /// <summary>The start-up message when stored keys were protected with another KEK (or with one and none is configured now).</summary>
    public static string WrongKeyMessage(string storedKeyId, string? configuredKeyId) => configuredKeyId is null
        ? $"The stored keys are encrypted with key-encryption key {storedKeyId}, but OAUTH2_KEY_ENCRYPTION_KEY_FILE is not set. Configure the key file they were encrypted with."
        : $"The stored keys are encrypted with key-encryption key {storedKeyId}, but OAUTH2_KEY_ENCRYPTION_KEY_FILE holds key {configuredKeyId}. Configure the key file they were encrypted with.";

    /// <summary>Never the key itself.</summary>
    public override string ToString() => $"KeyEncryptionKey {{ KeyId = {KeyId} }}";
}

/// <summary>Stored key material that this server's KEK cannot open: a configuration error, reported at start.</summary>
public sealed class KeyEncryptionException : Exception
{
    public KeyEncryptionException(string message)
        : base(message)
    {
    }

    public KeyEncryptionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
