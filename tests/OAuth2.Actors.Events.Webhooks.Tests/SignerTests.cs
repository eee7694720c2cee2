using System.Text;
using Microsoft.AspNetCore.Http;
using OAuth2.Actors.Events.Webhooks;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace OAuth2.Actors.Events.Webhooks.Tests;

/// <summary>The signer checked by an independent implementation: the StandardWebhooks package.</summary>
public sealed class SignerTests
{
    private const string Body = """{"event":{"id":"evt-1","event_type":"token_created"}}""";

    private static HeaderDictionary Headers(string id, long timestamp, string signature) => new()
    {
        [WebhookSigner.IdHeader] = id,
        [WebhookSigner.TimestampHeader] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [WebhookSigner.SignatureHeader] = signature,
    };

    private static string Sign(string body, long timestamp, params string[] secrets) =>
        WebhookSigner.Sign("evt-1", timestamp, Encoding.UTF8.GetBytes(body), secrets.Select(WebhookSigner.KeyOf).ToArray());

    [Fact]
    public void A_signature_verifies_with_the_StandardWebhooks_package()
    {
        var secret = WebhookSigner.NewSecret();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        new StandardWebhook(secret).Verify(Body, Headers("evt-1", now, Sign(Body, now, secret)));
    }

    [Fact]
    public void A_changed_body_a_wrong_secret_and_a_stale_timestamp_are_rejected()
    {
        var secret = WebhookSigner.NewSecret();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Sign(Body, now, secret);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(Body.Replace("token_created", "token_revoked", StringComparison.Ordinal), Headers("evt-1", now, signature)));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(WebhookSigner.NewSecret()).Verify(Body, Headers("evt-1", now, signature)));
        var stale = now - 600;
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(Body, Headers("evt-1", stale, Sign(Body, stale, secret))));
    }

    [Fact]
    public void During_a_rotation_both_signatures_verify_each_with_its_own_secret()
    {
        var previous = WebhookSigner.NewSecret();
        var next = WebhookSigner.NewSecret();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Sign(Body, now, next, previous);
        Assert.Equal(2, signature.Split(' ').Length);
        Assert.All(signature.Split(' '), s => Assert.StartsWith("v1,", s, StringComparison.Ordinal));
        // StandardWebhooks 1.1.2 stops after the first signature of a list (its loop ends before reading the last one),
        // so each signature is checked on its own header as well as the header as sent (whose first one it does read).
        new StandardWebhook(next).Verify(Body, Headers("evt-1", now, signature));
        var parts = signature.Split(' ');
        new StandardWebhook(next).Verify(Body, Headers("evt-1", now, parts[0]));
        new StandardWebhook(previous).Verify(Body, Headers("evt-1", now, parts[1]));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(previous).Verify(Body, Headers("evt-1", now, parts[0])));
    }

    [Fact]
    public void Secrets_are_whsec_and_32_random_bytes_and_short_or_malformed_ones_are_refused()
    {
        var secret = WebhookSigner.NewSecret();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, WebhookSigner.KeyOf(secret).Length);
        Assert.NotEqual(secret, WebhookSigner.NewSecret());
        Assert.Null(WebhookSigner.ValidateSecret(secret));
        Assert.Contains("at least 24", WebhookSigner.ValidateSecret("whsec_" + Convert.ToBase64String(new byte[16])), StringComparison.Ordinal);
        Assert.NotNull(WebhookSigner.ValidateSecret("whsec_not base64!"));
        Assert.NotNull(WebhookSigner.ValidateSecret(Convert.ToBase64String(new byte[32])));
    }
}
