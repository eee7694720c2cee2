using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// How nodes reach each other: Akka.Remote on <c>OAUTH2_CLUSTER_HOST</c>/<c>PORT</c>, over TLS when
/// <c>OAUTH2_CLUSTER_TLS_CERT_FILE</c> is set. Every node presents the one cluster certificate, in both directions
/// (Akka's mutual authentication), and accepts a peer only if the peer presents that very certificate: the remoting
/// port carries everything the cluster knows (the signing key's PEM among it), so being able to reach the port must not
/// be enough to join it. A CA-valid certificate is not enough either, which is why the check is ours and not Akka's
/// default (chain to the system's CA store, which would also refuse the self-signed certificate a cluster usually uses).
/// </summary>
public static class ClusterTransport
{
    public const string PlainScheme = "akka.tcp://";
    public const string TlsScheme = "akka.ssl.tcp://";

    /// <summary>Remoting as the options say: the one place the server configures Akka.Remote.</summary>
    public static AkkaConfigurationBuilder WithClusterTransport(this AkkaConfigurationBuilder builder, OAuth2Options options)
    {
        var remote = new RemoteOptions
        {
            HostName = options.ClusterHost,
            Port = options.ClusterPort,
            PublicHostName = string.IsNullOrWhiteSpace(options.ClusterPublicHost) ? null : options.ClusterPublicHost,
        };

        if (UsesTls(options))
        {
            var certificate = LoadCertificate(options.ClusterTlsCertFile!, options.ClusterTlsCertPassword);
            remote.EnableSsl = true;
            remote.Ssl = new SslOptions
            {
                X509Certificate = certificate,
                // Clients present the certificate too, and a server refuses a client that presents none.
                RequireMutualAuthentication = true,
                SuppressValidation = false,
                // Nodes share one certificate whatever their host names; the pin below is the identity check.
                ValidateCertificateHostname = false,
                // Called on both sides of every handshake (inbound and outbound), in place of Akka's chain check.
                CustomValidator = OnlyTheClusterCertificate(certificate),
            };
        }

        return builder.WithRemoting(remote);
    }

    public static bool UsesTls(OAuth2Options options) => !string.IsNullOrWhiteSpace(options.ClusterTlsCertFile);

    /// <summary>Without TLS on an address other machines can reach: anyone reaching the port can join and listen.</summary>
    public static bool IsExposedWithoutTls(OAuth2Options options) => !UsesTls(options) && !IsLoopback(options.ClusterHost);

    /// <summary>The PKCS#12 file with its private key; an empty password reads a file that has none.</summary>
    public static X509Certificate2 LoadCertificate(string file, string? password) =>
        X509CertificateLoader.LoadPkcs12FromFile(file, string.IsNullOrEmpty(password) ? null : password);

    /// <summary>
    /// Accepts exactly the cluster's certificate (same DER bytes): whoever completes the handshake with it has also
    /// proved, by TLS itself, that it holds the private key. Chain, name and validity errors are ignored on purpose:
    /// the certificate is usually self-signed, nodes are reached by any host name, and pinning makes a CA moot.
    /// </summary>
    public static CertificateValidationCallback OnlyTheClusterCertificate(X509Certificate2 cluster)
    {
        var expected = cluster.RawData;
        return (certificate, _, peer, _, log) =>
        {
            if (certificate is null)
            {
                log.Warning("Cluster TLS: refused {0}, which presented no certificate", peer);
                return false;
            }

            if (certificate.RawData.AsSpan().SequenceEqual(expected))
            {
                return true;
            }

            log.Warning("Cluster TLS: refused {0}, which presented {1} (SHA-256 {2}), not the cluster's certificate", peer, certificate.Subject, certificate.GetCertHashString(HashAlgorithmName.SHA256));
            return false;
        };
    }

    /// <summary>What is wrong with the TLS settings, one message per problem naming the variable (checked at start).</summary>
    public static IEnumerable<string> Problems(OAuth2Options options)
    {
        if (!UsesTls(options))
        {
            if (!string.IsNullOrEmpty(options.ClusterTlsCertPassword))
            {
                yield return "OAUTH2_CLUSTER_TLS_CERT_PASSWORD is set but OAUTH2_CLUSTER_TLS_CERT_FILE is not: remoting would run without TLS. Set the file too, or remove the password.";
            }

            foreach (var seed in options.SeedNodes.Where(s => s.StartsWith(TlsScheme, StringComparison.OrdinalIgnoreCase)))
            {
                yield return $"OAUTH2_CLUSTER_SEEDS entry '{seed}' is a TLS address but OAUTH2_CLUSTER_TLS_CERT_FILE is not set: this node could not reach it.";
            }

            yield break;
        }

        var file = options.ClusterTlsCertFile!;
        if (!File.Exists(file))
        {
            yield return $"OAUTH2_CLUSTER_TLS_CERT_FILE '{file}' does not exist.";
        }
        else if (CertificateProblem(file, options.ClusterTlsCertPassword) is { } problem)
        {
            yield return problem;
        }

        foreach (var seed in options.SeedNodes.Where(s => !s.StartsWith(TlsScheme, StringComparison.OrdinalIgnoreCase)))
        {
            // Akka's TLS transport only answers akka.ssl.tcp addresses: a plain one would never be reached.
            yield return $"OAUTH2_CLUSTER_SEEDS entry '{seed}' must be an {TlsScheme} address when OAUTH2_CLUSTER_TLS_CERT_FILE is set.";
        }
    }

    private static string? CertificateProblem(string file, string? password)
    {
        try
        {
            using var certificate = LoadCertificate(file, password);
            using var rsa = certificate.GetRSAPrivateKey();
            using var ecdsa = certificate.GetECDsaPrivateKey();
            return rsa is null && ecdsa is null
                ? $"OAUTH2_CLUSTER_TLS_CERT_FILE '{file}' has no RSA or ECDSA private key: a node must prove in the TLS handshake that it holds the key."
                : null;
        }
        catch (CryptographicException e)
        {
            return $"OAUTH2_CLUSTER_TLS_CERT_FILE '{file}' cannot be read as PKCS#12 with OAUTH2_CLUSTER_TLS_CERT_PASSWORD (wrong password, or not a .pfx/.p12 file): {e.Message}";
        }
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
