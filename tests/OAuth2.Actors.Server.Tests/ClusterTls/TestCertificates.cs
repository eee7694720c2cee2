using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OAuth2.Actors.Server.Tests.ClusterTls;

/// <summary>
/// Self-signed certificates made for a test and written to password-protected .pfx files in a directory of their own,
/// as an operator would hand them to OAUTH2_CLUSTER_TLS_CERT_FILE; the directory is removed on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string Password = "pfx-password-for-tests";

    private readonly string _directory = DataDirectories.New();

    /// <summary>A new key pair and its self-signed certificate, valid from a minute ago for a day.</summary>
    public string Create(string name)
    {
        using var certificate = SelfSigned(name);
        return Write(name, certificate.Export(X509ContentType.Pfx, Password));
    }

    /// <summary>A .pfx that holds a certificate but not its private key (a node could not prove who it is with it).</summary>
    public string CreateWithoutPrivateKey(string name)
    {
        using var certificate = SelfSigned(name);
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        return Write(name, publicOnly.Export(X509ContentType.Pfx, Password));
    }

    /// <summary>A file that is not PKCS#12 at all.</summary>
    public string CreateGarbage(string name) => Write(name, "not a certificate"u8.ToArray());

    public void Dispose() => DataDirectories.Delete(_directory);

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory, name + ".pfx");
        File.WriteAllBytes(path, content);
        return path;
    }
}
