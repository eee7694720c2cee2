using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Core.Tests;

public class SecretsTests
{
    [Fact]
    public void Secrets_must_verify_a_secret_against_its_hash()
    {
        var secret = Secrets.NewSecret();
        Assert.True(Secrets.Verify(secret, Secrets.Hash(secret)));
    }

    [Fact]
    public void Secrets_must_not_verify_a_wrong_or_missing_secret()
    {
        var hash = Secrets.Hash("correct horse battery staple");

        Assert.False(Secrets.Verify("correct horse battery stapler", hash));
        Assert.False(Secrets.Verify("Correct horse battery staple", hash));
        Assert.False(Secrets.Verify(string.Empty, hash));
        Assert.False(Secrets.Verify(null, hash));
        Assert.False(Secrets.Verify("correct horse battery staple", null));
        Assert.False(Secrets.Verify("correct horse battery staple", "no-salt-separator"));
        Assert.False(Secrets.Verify("correct horse battery staple", ".starts-with-separator"));
    }

    [Fact]
    public void Secrets_must_salt_each_hash_differently()
    {
        const string secret = "same secret";
        var first = Secrets.Hash(secret);
        var second = Secrets.Hash(secret);

        Assert.NotEqual(first, second);
        Assert.NotEqual(first.Split('.')[0], second.Split('.')[0]);
        Assert.True(Secrets.Verify(secret, first));
        Assert.True(Secrets.Verify(secret, second));
    }

    [Fact]
    public void Secrets_must_never_contain_the_secret_in_its_hash()
    {
        var secret = Secrets.NewSecret();
        var hash = Secrets.Hash(secret);

        Assert.DoesNotContain(secret, hash, StringComparison.Ordinal);
        var parts = hash.Split('.');
        Assert.Equal(2, parts.Length);
        Assert.Equal(16, Base64UrlEncoder.DecodeBytes(parts[0]).Length);
        Assert.Equal(32, Base64UrlEncoder.DecodeBytes(parts[1]).Length);
    }

    [Fact]
    public void Secrets_must_generate_distinct_256_bit_secrets_and_128_bit_client_ids()
    {
        var secrets = Enumerable.Range(0, 100).Select(_ => Secrets.NewSecret()).ToArray();
        Assert.Equal(secrets.Length, secrets.Distinct(StringComparer.Ordinal).Count());
        Assert.All(secrets, s => Assert.Equal(Secrets.SecretBytes, Base64UrlEncoder.DecodeBytes(s).Length));

        var ids = Enumerable.Range(0, 100).Select(_ => Secrets.NewClientId()).ToArray();
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Equal(16, Base64UrlEncoder.DecodeBytes(id).Length));
    }

    [Fact]
    public void Secrets_must_compare_configured_secrets_exactly()
    {
        Assert.True(Secrets.FixedTimeEquals("initial-token", "initial-token"));
        Assert.False(Secrets.FixedTimeEquals("initial-token", "initial-tokem"));
        Assert.False(Secrets.FixedTimeEquals("initial-token", "initial-token "));
        Assert.False(Secrets.FixedTimeEquals(null, "initial-token"));
        Assert.False(Secrets.FixedTimeEquals("initial-token", null));
        Assert.False(Secrets.FixedTimeEquals(null, null));
    }
}
