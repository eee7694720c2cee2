namespace OAuth2.Actors.Server.Tests.Webhooks;

/// <summary>A server with the SSRF protection on (OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS unset), http allowed.</summary>
public sealed class SsrfWebhookServerFixture : WebhookServerFixture
{
    protected override Dictionary<string, string?> Settings(WebhookReceiver receiver)
    {
        var settings = base.Settings(receiver);
        settings.Remove("OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS");
        return settings;
    }
}

/// <summary>Without OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS a loopback endpoint is never contacted.</summary>
public sealed class WebhookSsrfE2ETests(SsrfWebhookServerFixture fixture) : IClassFixture<SsrfWebhookServerFixture>
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task An_endpoint_on_loopback_is_never_contacted_and_the_attempt_shows_refused(string host)
    {
        var path = WebhookE2E.NewPath("ssrf");
        var url = fixture.Receiver.Url(path).Replace("127.0.0.1", host, StringComparison.Ordinal);
        var webhook = await fixture.Host.CreateWebhook(url, ["token_created"]);
        try
        {
            var envelope = await fixture.Host.TokenCreatedEvent();
            var id = envelope.Id()!;
            var attempts = await fixture.Host.WaitForAttempts(webhook.Id, id, a => a.Count >= 1, "a refused attempt");
            Assert.Equal("refused", attempts[0].Str("outcome"));
            Assert.Null(attempts[0].Int("status"));
            Assert.False(string.IsNullOrEmpty(attempts[0].Str("error")), $"a refused attempt without an error: {attempts[0]}");

            await fixture.Host.SettleEvents();
            Assert.Empty(fixture.Receiver.RequestsTo(path));
            Assert.Equal(0, fixture.Receiver.Count);
        }
        finally
        {
            await fixture.Host.DeleteWebhook(webhook.Id);
        }
    }
}

/// <summary>A server whose environment configures the static endpoint (OAUTH2_WEBHOOKS_URL and _SECRET) on the receiver.</summary>
public sealed class StaticEndpointDeliveryFixture : WebhookServerFixture
{
    public const string StaticPath = "/static-hook";

    public string Secret { get; } = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    protected override Dictionary<string, string?> Settings(WebhookReceiver receiver)
    {
        var settings = base.Settings(receiver);
        settings["OAUTH2_WEBHOOKS_URL"] = receiver.Url(StaticPath);
        settings["OAUTH2_WEBHOOKS_SECRET"] = Secret;
        settings["OAUTH2_WEBHOOKS_EVENT_TYPES"] = "token_*";
        return settings;
    }
}

/// <summary>The endpoint configured from the environment delivers like any other and is read-only in the admin API.</summary>
public sealed class WebhookStaticEndpointE2ETests(StaticEndpointDeliveryFixture fixture) : IClassFixture<StaticEndpointDeliveryFixture>
{
    [Fact]
    public async Task The_static_endpoint_receives_signed_events()
    {
        var envelope = await fixture.Host.TokenCreatedEvent();
        var delivery = await fixture.Receiver.Delivery(StaticEndpointDeliveryFixture.StaticPath, envelope.Id()!);
        WebhookE2E.AssertSigned(delivery, envelope.Id()!, fixture.Secret);
    }

    [Fact]
    public async Task The_static_endpoint_is_listed_and_cannot_be_deleted_or_changed_through_the_API()
    {
        var view = await fixture.Host.GetWebhook("static");
        Assert.Equal(fixture.Receiver.Url(StaticEndpointDeliveryFixture.StaticPath), view.Str("url"));
        Assert.DoesNotContain(fixture.Secret, view.GetRawText(), StringComparison.Ordinal);
        var (listed, list) = await fixture.Host.SendJson(HttpMethod.Get, WebhookE2E.Path, null);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(list.GetProperty("webhooks").EnumerateArray(), w => w.Str("id") == "static");

        Assert.Equal(HttpStatusCode.Conflict, await fixture.Host.DeleteWebhook("static"));
        var (changed, _) = await fixture.Host.SendJson(HttpMethod.Put, WebhookE2E.Path + "/static", new JsonObject { ["enabled"] = false });
        Assert.Equal(HttpStatusCode.Conflict, changed);

        // Still there and still delivering.
        Assert.Equal("static", (await fixture.Host.GetWebhook("static")).Str("id"));
        var envelope = await fixture.Host.TokenCreatedEvent();
        await fixture.Receiver.Delivery(StaticEndpointDeliveryFixture.StaticPath, envelope.Id()!);
    }
}
