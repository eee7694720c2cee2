namespace OAuth2.Actors.Events.RabbitMq.Tests;

/// <summary>OAUTH2_EVENTS_RABBIT_*: parsing, defaults, and refusing what cannot be used (no broker needed).</summary>
public sealed class RabbitMqEventSinkOptionsTests()
    : BrokerSinkOptionsTests<RabbitMqEventSinkOptions>("rabbit", RabbitMqEventSinkOptions.UrlKey, "amqp//broken", "amqp://guest:guest@127.0.0.1:1/%2f")
{
    protected override void AssertSeedDefaults(RabbitMqEventSinkOptions options)
    {
        Assert.Equal("amqp://guest:guest@localhost:5672/%2f", options.Url);
        Assert.Equal("oauth2.events", options.Exchange);
        Assert.Equal("auth.{event_type}", options.RoutingKey);
        Assert.Equal("auth.token_created", options.RoutingKeyFor("token_created"));
        Assert.Equal("amqp://guest:***@localhost:5672/%2f", options.RedactedUrl);
    }

    [Fact]
    public void Options_must_bind_the_flat_environment_names_and_build_a_recovering_connection_factory()
    {
        var options = Read(
            ("OAUTH2_EVENTS_RABBIT_URL", "amqps://svc:s3cret@mq.internal:5671/auth"),
            ("OAUTH2_EVENTS_RABBIT_EXCHANGE", "security.audit"),
            ("OAUTH2_EVENTS_RABBIT_ROUTING_KEY", "oauth2.{event_type}.v1"));
        Assert.Equal("security.audit", options.Exchange);
        Assert.Equal("oauth2.client_registered.v1", options.RoutingKeyFor("client_registered"));
        Assert.True(options.TryCreateFactory(out var factory, out _));
        Assert.Equal("mq.internal", factory.HostName);
        Assert.Equal(5671, factory.Port);
        Assert.Equal("svc", factory.UserName);
        Assert.Equal("s3cret", factory.Password);
        Assert.Equal("auth", factory.VirtualHost);
        Assert.True(factory.Ssl.Enabled);
        Assert.True(factory.AutomaticRecoveryEnabled);
        Assert.True(factory.TopologyRecoveryEnabled);
    }

    [Fact]
    public void Routing_key_without_the_placeholder_must_be_used_as_is()
    {
        var (options, _) = RabbitMqEventSinkOptions.FromConfiguration(Config(("OAUTH2_EVENTS_RABBIT_ROUTING_KEY", "auth.*")));
        Assert.Equal("auth.*", options!.RoutingKeyFor("token_revoked"));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("http://localhost:5672/")]
    [InlineData("amqp://")]
    [InlineData("amqp://host:5672/a/b")]
    [InlineData("amqp://user:pw@host:notaport/")]
    public void Url_must_refuse_what_is_not_an_amqp_url(string url)
    {
        var problem = Refused(("OAUTH2_EVENTS_RABBIT_URL", url));
        Assert.Contains("OAUTH2_EVENTS_RABBIT_URL", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(":pw@", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_RABBIT_EXCHANGE", "")]
    [InlineData("OAUTH2_EVENTS_RABBIT_EXCHANGE", "amq.topic")]
    [InlineData("OAUTH2_EVENTS_RABBIT_ROUTING_KEY", "")]
    public void Exchange_and_routing_key_must_be_usable(string key, string value)
    {
        var problem = Refused((key, value));
        Assert.Contains(key, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_must_carry_the_envelope_in_its_properties()
    {
        using var plugin = new RabbitMqEventPlugin(new RabbitMqEventSinkOptions { Url = "amqp://guest:guest@127.0.0.1:1/%2f", RoutingKey = "x.{event_type}.{event_type}" });
        var envelope = TestEnvelopes.Create(EventType.TokenRevoked, correlationId: "corr-9", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        var properties = plugin.Properties(envelope);
        Assert.Equal("application/json", properties.ContentType);
        Assert.True(properties.Persistent);
        Assert.Equal(envelope.Event.Id, properties.MessageId);
        Assert.Equal("corr-9", properties.CorrelationId);
        Assert.Equal("token_revoked", properties.Headers!["event_type"]);
        Assert.Equal(envelope.Traceparent, properties.Headers["traceparent"]);
        Assert.Equal(envelope.Event.Id, properties.Headers["idempotency_key"]);
        Assert.Equal("x.token_revoked.token_revoked", plugin.RoutingKey(envelope));
    }
}
