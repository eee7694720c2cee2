namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>OAUTH2_EVENTS_REDIS_*: parsing, defaults, and refusing what cannot be used (no broker needed).</summary>
public sealed class RedisEventSinkOptionsTests()
    : BrokerSinkOptionsTests<RedisEventSinkOptions>("redis", RedisEventSinkOptions.UrlKey, "redis//broken", "redis://127.0.0.1:1")
{
    protected override void AssertSeedDefaults(RedisEventSinkOptions options)
    {
        Assert.Equal("redis://localhost:6379", options.Url);
        Assert.Equal("oauth2:events", options.Stream);
        Assert.Null(options.MaxLength);
    }

    [Fact]
    public void Options_must_bind_the_flat_environment_names()
    {
        var options = Read(
            ("OAUTH2_EVENTS_REDIS_URL", "redis://:s3cret@cache.internal:6380/2"),
            ("OAUTH2_EVENTS_REDIS_STREAM", "audit:auth"),
            ("OAUTH2_EVENTS_REDIS_MAXLEN", "10000"));
        Assert.Equal("audit:auth", options.Stream);
        Assert.Equal(10_000, options.MaxLength);
        Assert.Equal("redis://:***@cache.internal:6380/2", options.RedactedUrl);
    }

    [Theory]
    [InlineData("redis://localhost", "localhost", 6379, null, null, 0, false)]
    [InlineData("redis://127.0.0.1:6390", "127.0.0.1", 6390, null, null, 0, false)]
    [InlineData("redis://:pw@host:1234/3", "host", 1234, null, "pw", 3, false)]
    [InlineData("redis://user:p%40ss@host/1", "host", 6379, "user", "p@ss", 1, false)]
    [InlineData("redis://onlypassword@host", "host", 6379, null, "onlypassword", 0, false)]
    [InlineData("rediss://default:pw@secure.example:6380", "secure.example", 6380, "default", "pw", 0, true)]
    public void Url_must_parse_host_port_password_and_database(string url, string host, int port, string? user, string? password, int database, bool tls)
    {
        Assert.True(RedisUrl.TryParse(url, out var configuration, out var problem), problem);
        var endpoint = Assert.Single(configuration.EndPoints);
        var (actualHost, actualPort) = endpoint switch
        {
            DnsEndPoint dns => (dns.Host, dns.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => (endpoint.ToString(), 0),
        };
        Assert.Equal(host, actualHost);
        Assert.Equal(port, actualPort);
        Assert.Equal(user, configuration.User);
        Assert.Equal(password, configuration.Password);
        Assert.Equal(database, configuration.DefaultDatabase);
        Assert.Equal(tls, configuration.Ssl);
    }

    [Theory]
    [InlineData("OAUTH2_EVENTS_REDIS_URL", "not a url")]
    [InlineData("OAUTH2_EVENTS_REDIS_URL", "localhost:6379")]
    [InlineData("OAUTH2_EVENTS_REDIS_URL", "http://localhost:6379")]
    [InlineData("OAUTH2_EVENTS_REDIS_URL", "redis://")]
    [InlineData("OAUTH2_EVENTS_REDIS_URL", "redis://host:6379/notanumber")]
    [InlineData("OAUTH2_EVENTS_REDIS_URL", "redis://host:99999")]
    [InlineData("OAUTH2_EVENTS_REDIS_MAXLEN", "0")]
    [InlineData("OAUTH2_EVENTS_REDIS_MAXLEN", "-5")]
    [InlineData("OAUTH2_EVENTS_REDIS_MAXLEN", "ten")]
    public void Options_must_refuse_what_is_not_a_redis_url_or_a_positive_maxlen(string key, string value)
    {
        var problem = Refused((key, value));
        Assert.Contains(key, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_must_never_quote_the_password()
    {
        var (_, problem) = RedisEventSinkOptions.FromConfiguration(Config(("OAUTH2_EVENTS_REDIS_URL", "redis://user:topsecret@host:6379/x")));
        Assert.NotNull(problem);
        Assert.DoesNotContain("topsecret", problem, StringComparison.Ordinal);
        Assert.Equal("redis://user:***@host:6379/x", RedisUrl.Redact("redis://user:topsecret@host:6379/x"));
    }
}
