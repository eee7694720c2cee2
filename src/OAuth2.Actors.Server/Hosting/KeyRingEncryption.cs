using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// DataProtection's extension point for encrypting its keys at rest, with the server's key-encryption key (AES-256-GCM,
/// <see cref="KeyEncryptionKey"/>): each secret of the key ring is stored as
/// <c>&lt;encryptedKey kek="{kek id}"&gt;{protected value}&lt;/encryptedKey&gt;</c>.
/// </summary>
public sealed class KekXmlEncryptor(KeyEncryptionKey kek) : IXmlEncryptor
{
    public const string ElementName = "encryptedKey";
    public const string KekAttribute = "kek";

    /// <summary>What the secrets are bound to (a protected signing key does not decrypt as a key-ring secret).</summary>
    public const string Purpose = "oauth2-data-protection-key";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement(ElementName,
            new XAttribute(KekAttribute, kek.KeyId),
            new XComment(" Encrypted with the key-encryption key of OAUTH2_KEY_ENCRYPTION_KEY_FILE "),
            kek.Protect(plaintextElement.ToString(SaveOptions.DisableFormatting), Purpose)),
            typeof(KekXmlDecryptor));
}

/// <summary>The other half: DataProtection builds it by type name (with the application's services) to read a key.</summary>
public sealed class KekXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var stored = encryptedElement.Attribute(KekXmlEncryptor.KekAttribute)?.Value ?? "?";
        var kek = services.GetRequiredService<ServerSettings>().KeyEncryption
            ?? throw new KeyEncryptionException(KeyEncryptionKey.WrongKeyMessage(stored, null));
        return XElement.Parse(kek.Unprotect(encryptedElement.Value.Trim(), KekXmlEncryptor.Purpose));
    }
}
