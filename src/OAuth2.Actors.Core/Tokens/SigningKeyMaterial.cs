using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Tokens;

/// <summary>The signing key in usable form: credentials to sign with, the public key to verify with, and its JWK.</summary>
public sealed class SigningKeyMaterial
{
    private SigningKeyMaterial(string algorithm, string keyId, SecurityKey privateKey, SecurityKey publicKey, IReadOnlyDictionary<string, string> publicJwk)
    {
        Algorithm = algorithm;
        KeyId = keyId;
        Credentials = new SigningCredentials(privateKey, algorithm);
        PublicKey = publicKey;
        PublicJwk = publicJwk;
    }

    public string Algorithm { get; }

    /// <summary>RFC 7638 thumbprint of the public key, so the same key always has the same kid.</summary>
    public string KeyId { get; }

    public SigningCredentials Credentials { get; }

    public SecurityKey PublicKey { get; }

    /// <summary>The public JWK members as published in the JWKS document.</summary>
    public IReadOnlyDictionary<string, string> PublicJwk { get; }

    public static string GeneratePem(SigningAlgorithm algorithm)
    {
        if (algorithm == SigningAlgorithm.RS256)
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportPkcs8PrivateKeyPem();
        }

        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ecdsa.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Loads a PKCS#8 (or SEC1 / PKCS#1) private key; its type decides the algorithm (P-256: ES256, RSA: RS256).</summary>
    public static SigningKeyMaterial FromPem(string pem)
    {
        if (pem.Contains("RSA PRIVATE KEY", StringComparison.Ordinal) || !TryImportEcdsa(pem, out var ecdsa))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < 2048)
            {
                throw new CryptographicException($"RSA signing keys must have at least 2048 bits; this one has {rsa.KeySize}.");
            }

            var parameters = rsa.ExportParameters(false);
            return Create(SecurityAlgorithms.RsaSha256, new RsaSecurityKey(RSA.Create(parameters)), kid => new RsaSecurityKey(rsa) { KeyId = kid },
                ("kty", "RSA"), ("n", Base64UrlEncoder.Encode(parameters.Modulus)), ("e", Base64UrlEncoder.Encode(parameters.Exponent)));
        }

        var ecParameters = ecdsa!.ExportParameters(false);
        if (ecParameters.Curve.Oid.FriendlyName is not ("nistP256" or "ECDSA_P256") && ecParameters.Curve.Oid.Value != "1.2.840.10045.3.1.7")
        {
            throw new CryptographicException("EC signing keys must be on P-256 (ES256).");
        }

        var publicEcdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = ecParameters.Q });
        return Create(SecurityAlgorithms.EcdsaSha256, new ECDsaSecurityKey(publicEcdsa), kid => new ECDsaSecurityKey(ecdsa) { KeyId = kid },
            ("kty", "EC"), ("crv", "P-256"), ("x", Base64UrlEncoder.Encode(ecParameters.Q.X)), ("y", Base64UrlEncoder.Encode(ecParameters.Q.Y)));
    }

    /// <summary>
    /// The key pair under its RFC 7638 thumbprint as key id, and its public JWK: <c>kty</c>, then <c>use</c>, <c>alg</c>
    /// and <c>kid</c>, then the key's own members.
    /// </summary>
    private static SigningKeyMaterial Create(
        string algorithm,
        AsymmetricSecurityKey publicKey,
        Func<string, AsymmetricSecurityKey> privateKey,
        (string Name, string Value) keyType,
        params (string Name, string Value)[] members)
    {
        var kid = Base64UrlEncoder.Encode(publicKey.ComputeJwkThumbprint());
        publicKey.KeyId = kid;
        var jwk = new Dictionary<string, string> { [keyType.Name] = keyType.Value, ["use"] = "sig", ["alg"] = algorithm, ["kid"] = kid };
        foreach (var (name, value) in members)
        {
            jwk[name] = value;
        }

        return new SigningKeyMaterial(algorithm, kid, privateKey(kid), publicKey, jwk);
    }

    private static bool TryImportEcdsa(string pem, out ECDsa? ecdsa)
    {
        ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            ecdsa.Dispose();
            ecdsa = null;
            return false;
        }
    }
}
