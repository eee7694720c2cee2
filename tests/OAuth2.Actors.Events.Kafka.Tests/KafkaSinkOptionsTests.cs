namespace OAuth2.Actors.Events.Kafka.Tests;

/// <summary>OAUTH2_EVENTS_KAFKA_*: parsing, defaults, and refusing what cannot be used (no broker needed).</summary>
public sealed class KafkaSinkOptionsTests : SinkOptionsTests<KafkaSinkOptions>
{
    protected override void AssertSeedDefaults(KafkaSinkOptions options)
    {
        Assert.Equal("localhost:9092", options.Brokers);
        Assert.Equal("oauth2-events", options.Topic);
        Assert.Equal("oauth2-actors", options.ClientId);
        Assert.Empty(options.Config);
        // Under the default 5 s plugin timeout, so librdkafka reports a failed batch before the sink gives up on it.
        Assert.Equal(TimeSpan.FromSeconds(4), options.MessageTimeout);
    }

    [Fact]
    public void Kafka_options_must_read_every_variable()
    {
        var options = Read(
            (KafkaSinkOptions.BrokersKey, "127.0.0.1:19093, broker-2.internal:9093"),
            (KafkaSinkOptions.TopicKey, "auth.events_v1"),
            (KafkaSinkOptions.ClientIdKey, "oauth2-eu"),
            (KafkaSinkOptions.ConfigKey, "api.version.request=false, broker.version.fallback=0.9.0.1,compression.type=lz4"),
            (KafkaSinkOptions.MaxBatchKey, "500"),
            (KafkaSinkOptions.ParallelismKey, "2"),
            (KafkaSinkOptions.PluginTimeoutKey, "20000"));
        Assert.Equal("127.0.0.1:19093, broker-2.internal:9093", options.Brokers);
        Assert.Equal("auth.events_v1", options.Topic);
        Assert.Equal("oauth2-eu", options.ClientId);
        Assert.Equal("false", options.Config["api.version.request"]);
        Assert.Equal("0.9.0.1", options.Config["broker.version.fallback"]);
        Assert.Equal("lz4", options.Config["compression.type"]);
        Assert.Equal(500, options.MaxBatch);
        Assert.Equal(2, options.Parallelism);
        Assert.Equal(TimeSpan.FromSeconds(16), options.MessageTimeout);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData(" , ", "is empty")]
    [InlineData("localhost", "malformed entry 'localhost'")]
    [InlineData("localhost:0", "malformed entry")]
    [InlineData("localhost:9092,:9093", "malformed entry")]
    [InlineData("bad host:9092", "malformed entry")]
    public void Kafka_options_must_name_what_is_wrong_with_the_broker_list(string value, string expected) =>
        AssertRefused(KafkaSinkOptions.BrokersKey, value, expected);

    [Theory]
    [InlineData(KafkaSinkOptions.TopicKey, "a topic", "not a valid Kafka topic name")]
    [InlineData(KafkaSinkOptions.TopicKey, "..", "not a valid Kafka topic name")]
    [InlineData(KafkaSinkOptions.ClientIdKey, " ", "is empty")]
    [InlineData(KafkaSinkOptions.ConfigKey, "acks=all,linger.ms", "entry 2 is not key=value")]
    [InlineData(KafkaSinkOptions.ConfigKey, "=1", "entry 1 is not key=value")]
    public void Kafka_options_must_name_what_cannot_be_used_as_a_topic_client_id_or_config(string key, string value, string expected) =>
        AssertRefused(key, value, expected);

    [Theory]
    [InlineData(KafkaSinkOptions.MaxBatchKey, "0", "OAUTH2_EVENTS_KAFKA_MAX_BATCH must be")]
    [InlineData(KafkaSinkOptions.ParallelismKey, "many", "OAUTH2_EVENTS_KAFKA_PARALLELISM must be")]
    public void Kafka_options_must_name_a_number_that_cannot_be_used(string key, string value, string expected) =>
        AssertRefused(key, value, expected);

    [Theory]
    [InlineData("localhost:9092")]
    [InlineData("127.0.0.1:19093,127.0.0.1:19094")]
    [InlineData("[::1]:9092")]
    [InlineData("PLAINTEXT://kafka-0.kafka.svc:9092")]
    public void Kafka_options_must_accept_broker_lists_librdkafka_accepts(string brokers)
    {
        Assert.Null(new KafkaSinkOptions { Brokers = brokers }.Validate());
    }

    private static void AssertRefused(string key, string value, string expected)
    {
        var problem = Refused((key, value));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
