using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Events.Kafka.Tests;

public sealed class KafkaSinkOptionsTests
{
    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();

    [Fact]
    public void Kafka_options_must_default_to_the_seed_values()
    {
        var (options, problem) = KafkaSinkOptions.FromConfiguration(Configuration());
        Assert.Null(problem);
        Assert.Equal("localhost:9092", options!.Brokers);
        Assert.Equal("oauth2-events", options.Topic);
        Assert.Equal("oauth2-actors", options.ClientId);
        Assert.Empty(options.Config);
        // Under the default 5 s plugin timeout, so librdkafka reports a failed batch before the sink gives up on it.
        Assert.Equal(TimeSpan.FromSeconds(4), options.MessageTimeout);
    }

    [Fact]
    public void Kafka_options_must_read_every_variable()
    {
        var (options, problem) = KafkaSinkOptions.FromConfiguration(Configuration(
            (KafkaSinkOptions.BrokersKey, "127.0.0.1:19093, broker-2.internal:9093"),
            (KafkaSinkOptions.TopicKey, "auth.events_v1"),
            (KafkaSinkOptions.ClientIdKey, "oauth2-eu"),
            (KafkaSinkOptions.ConfigKey, "api.version.request=false, broker.version.fallback=0.9.0.1,compression.type=lz4"),
            (KafkaSinkOptions.MaxBatchKey, "500"),
            (KafkaSinkOptions.ParallelismKey, "2"),
            (KafkaSinkOptions.PluginTimeoutKey, "20000")));
        Assert.Null(problem);
        Assert.Equal("127.0.0.1:19093, broker-2.internal:9093", options!.Brokers);
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
    [InlineData(KafkaSinkOptions.BrokersKey, "", "is empty")]
    [InlineData(KafkaSinkOptions.BrokersKey, " , ", "is empty")]
    [InlineData(KafkaSinkOptions.BrokersKey, "localhost", "malformed entry 'localhost'")]
    [InlineData(KafkaSinkOptions.BrokersKey, "localhost:0", "malformed entry")]
    [InlineData(KafkaSinkOptions.BrokersKey, "localhost:9092,:9093", "malformed entry")]
    [InlineData(KafkaSinkOptions.BrokersKey, "bad host:9092", "malformed entry")]
    [InlineData(KafkaSinkOptions.TopicKey, "a topic", "not a valid Kafka topic name")]
    [InlineData(KafkaSinkOptions.TopicKey, "..", "not a valid Kafka topic name")]
    [InlineData(KafkaSinkOptions.ClientIdKey, " ", "is empty")]
    [InlineData(KafkaSinkOptions.ConfigKey, "acks=all,linger.ms", "entry 2 is not key=value")]
    [InlineData(KafkaSinkOptions.ConfigKey, "=1", "entry 1 is not key=value")]
    [InlineData(KafkaSinkOptions.MaxBatchKey, "0", "OAUTH2_EVENTS_KAFKA_MAX_BATCH must be")]
    [InlineData(KafkaSinkOptions.ParallelismKey, "many", "OAUTH2_EVENTS_KAFKA_PARALLELISM must be")]
    public void Kafka_options_must_name_what_cannot_be_used(string key, string value, string expected)
    {
        var (options, problem) = KafkaSinkOptions.FromConfiguration(Configuration((key, value)));
        Assert.Null(options);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:9092")]
    [InlineData("127.0.0.1:19093,127.0.0.1:19094")]
    [InlineData("[::1]:9092")]
    [InlineData("PLAINTEXT://kafka-0.kafka.svc:9092")]
    public void Kafka_options_must_accept_broker_lists_librdkafka_accepts(string brokers)
    {
        Assert.Null(new KafkaSinkOptions { Brokers = brokers }.Validate());
    }
}
